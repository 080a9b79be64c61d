# Install into a temporary prefix and build consumers against it.
set(prefix ${BINARY_DIR}/install-test/prefix)
file(REMOVE_RECURSE ${BINARY_DIR}/install-test)

function(run)
	execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc
		OUTPUT_VARIABLE out ERROR_VARIABLE err)
	if(NOT rc EQUAL 0)
		message(FATAL_ERROR "failed: ${ARGN}\n${out}\n${err}")
	endif()
	set(out "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND} --install ${BINARY_DIR} --prefix ${prefix})
foreach(f lib/libxhp.so.1 include/xhp/xhp.h include/xhp/version.h
	lib/pkgconfig/libxhp.pc lib/cmake/xhp/xhpConfig.cmake
	sbin/xhp-hotplug libexec/xhp/vif-bridge libexec/xhp/block)
	if(NOT EXISTS ${prefix}/${f})
		file(GLOB_RECURSE all RELATIVE ${prefix} ${prefix}/*)
		message(FATAL_ERROR "not installed: ${f}\ninstalled: ${all}")
	endif()
endforeach()

# pkg-config
set(ENV{PKG_CONFIG_PATH} ${prefix}/lib/pkgconfig)
run(pkg-config --cflags --libs libxhp)
string(STRIP "${out}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
run(${CC} -Wall -Wextra -Werror ${EXTRA_FLAGS} ${SOURCE_DIR}/examples/version.c ${flags}
	-Wl,-rpath,${prefix}/lib -o ${BINARY_DIR}/install-test/pc-version)
run(${BINARY_DIR}/install-test/pc-version)
if(NOT out MATCHES "^libxhp [0-9.]+: online vif3.0 backend/vif/3/0")
	message(FATAL_ERROR "pkg-config build printed: ${out}")
endif()

# find_package(xhp)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples -B ${BINARY_DIR}/install-test/ex
	-DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${CC}
	"-DCMAKE_C_FLAGS=${EXTRA_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${EXTRA_FLAGS}"
	-DCMAKE_BUILD_RPATH=${prefix}/lib)
run(${CMAKE_COMMAND} --build ${BINARY_DIR}/install-test/ex)
run(${BINARY_DIR}/install-test/ex/xhp-example-version)
if(NOT out MATCHES "^libxhp [0-9.]+: online vif3.0")
	message(FATAL_ERROR "find_package build printed: ${out}")
endif()
file(REMOVE_RECURSE ${BINARY_DIR}/install-test)
message(STATUS "install: pkg-config and find_package(xhp) consumers work")
