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
foreach(f ${LIBDIR}/libxhp.so.1 include/xhp/xhp.h include/xhp/version.h
	${LIBDIR}/pkgconfig/libxhp.pc ${LIBDIR}/cmake/xhp/xhpConfig.cmake
	sbin/xhp-hotplug libexec/xhp/vif-bridge libexec/xhp/block)
	if(NOT EXISTS ${prefix}/${f})
		file(GLOB_RECURSE all RELATIVE ${prefix} ${prefix}/*)
		message(FATAL_ERROR "not installed: ${f}\ninstalled: ${all}")
	endif()
endforeach()

# The installed program runs from its prefix as it is: no ldconfig, no
# LD_LIBRARY_PATH (a RUNPATH relative to the program, since this prefix's
# libdir is not a system one), under its name and a personality's, and
# loads the library of its prefix. Configured for a system libdir (/usr),
# the programs rightly have no RUNPATH: then they are not run here.
function(check_runs)
	foreach(prog sbin/xhp-hotplug libexec/xhp/vif-bridge)
		execute_process(COMMAND ${CMAKE_COMMAND} -E env
			--unset=LD_LIBRARY_PATH ${prefix}/${prog} --version
			RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
		if(NOT rc EQUAL 0 OR NOT out MATCHES
				"^(vif-bridge \\(xhp-hotplug\\)|xhp-hotplug) [0-9.]+\n$")
			message(FATAL_ERROR "installed ${prog} --version: "
				"exit ${rc}:\n${out}${err}")
		endif()
	endforeach()
	execute_process(COMMAND ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH
		ldd ${prefix}/sbin/xhp-hotplug OUTPUT_VARIABLE out)
	set(loaded "")
	if(out MATCHES "libxhp\\.so\\.1 => ([^ \n]+)")
		file(REAL_PATH "${CMAKE_MATCH_1}" loaded)
	endif()
	file(REAL_PATH ${prefix}/${LIBDIR}/libxhp.so.1 want)
	if(NOT loaded STREQUAL want)
		message(FATAL_ERROR "installed xhp-hotplug loads '${loaded}', "
			"not ${want}:\n${out}")
	endif()
endfunction()
list(FIND SYSTEM_LIBDIRS "${CONFIGURED_LIBDIR}" system)
if(system EQUAL -1)
	check_runs()
else()
	message(STATUS "system libdir: no RUNPATH; installed programs not run")
endif()

# Every example, twice: through pkg-config and through find_package(xhp).
file(GLOB examples ${SOURCE_DIR}/examples/*.c)
set(ENV{PKG_CONFIG_PATH} ${prefix}/${LIBDIR}/pkgconfig)
run(pkg-config --cflags --libs libxhp)
string(STRIP "${out}" flags)
separate_arguments(flags UNIX_COMMAND "${flags}")
foreach(src IN LISTS examples)
	get_filename_component(name ${src} NAME_WE)
	run(${CC} -Wall -Wextra -Werror ${EXTRA_FLAGS} ${src} ${flags}
		-Wl,-rpath,${prefix}/${LIBDIR} -o ${BINARY_DIR}/install-test/pc-${name})
endforeach()

run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples -B ${BINARY_DIR}/install-test/ex
	-DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_C_COMPILER=${CC}
	"-DCMAKE_C_FLAGS=${EXTRA_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${EXTRA_FLAGS}"
	-DCMAKE_BUILD_RPATH=${prefix}/${LIBDIR})
run(${CMAKE_COMMAND} --build ${BINARY_DIR}/install-test/ex)

# Run both builds of each. No xenstore here (the toolstack test runs the
# examples against the test xenstored): the scripts are fixtures, and the
# in-process run must report xenstore being unreachable.
set(ENV{XENSTORED_PATH} ${BINARY_DIR}/install-test/no-xenstored)
set(fx ${BINARY_DIR}/install-test/fixture)
file(WRITE ${fx} "#!/bin/sh\necho \"$XENBUS_PATH $vif: no bridge\" >&2\n"
	"[ \"$vif\" = vif3.1 ] && sleep 30\nexit 1\n")
file(CHMOD ${fx} PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
function(expect prog regex)
	execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc
		OUTPUT_VARIABLE out ERROR_VARIABLE err)
	if(NOT "${out}${err}" MATCHES "${regex}")
		message(FATAL_ERROR "${prog} ${ARGN}: exit ${rc}, expected "
			"/${regex}/, got:\n${out}${err}")
	endif()
endfunction()
foreach(build pc-%s ex/xhp-example-%s)
	string(REPLACE %s version p ${build})
	expect(${p} "^libxhp [0-9.]+: online vif3.0 backend/vif/3/0"
		${BINARY_DIR}/install-test/${p})
	string(REPLACE %s run-script p ${build})
	set(p ${BINARY_DIR}/install-test/${p})
	expect(${p} "usage: run-script" ${p} --help)
	expect(${p} "vif3.0: exit 1, hotplug-status \\(none\\), [0-9.]+ ms\n  stderr: backend/vif/3/0 vif3.0: no bridge\nvif3.1: timed out, killed with signal 9"
		${p} -t 1000 ${fx} online 3.0 3.1)
	string(REPLACE %s inprocess-vif p ${build})
	set(p ${BINARY_DIR}/install-test/${p})
	expect(${p} "usage: inprocess-vif" ${p} -h)
	expect(${p} "vif3.0: failed .*xenstore" ${p} online 3.0 bridge=xenbr0)
endforeach()
file(REMOVE_RECURSE ${BINARY_DIR}/install-test)
message(STATUS "install: pkg-config and find_package(xhp) consumers work")
