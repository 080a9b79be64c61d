# The man pages cover the interface: every symbol exported by
# libxhp.sym is named in libxhp(3), and every personality of the
# program (its own list, from `xhp-hotplug --help`) has a subsection in
# xhp-hotplug(8) and a name in its NAME line.
# -DSYM=<libxhp.sym> -DMAN3=<libxhp.3> -DMAN8=<xhp-hotplug.8> -DCLI=<xhp-hotplug>
cmake_policy(SET CMP0007 NEW)
foreach(v SYM MAN3 MAN8 CLI)
	if(NOT DEFINED ${v} OR NOT EXISTS "${${v}}")
		message(FATAL_ERROR "${v} missing: '${${v}}'")
	endif()
endforeach()

file(READ "${SYM}" sym)
file(READ "${MAN3}" man3)
file(READ "${MAN8}" man8)

# Exported names: the "<tab>xhp_name;" lines of the global: parts (the
# match stops before ';', which would split the CMake list).
string(REGEX MATCHALL "\n[ \t]+xhp_[a-z0-9_]+" lines "${sym}")
set(missing "")
set(n 0)
foreach(l IN LISTS lines)
	string(STRIP "${l}" name)
	math(EXPR n "${n} + 1")
	# A whole word: xhp_request_set must not pass as xhp_request_setting.
	if(NOT man3 MATCHES "(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)")
		list(APPEND missing ${name})
	endif()
endforeach()
if(n LESS 10)
	message(FATAL_ERROR "only ${n} symbols found in ${SYM}: parse error?")
endif()
set(failures "")
if(missing)
	set(failures "not in ${MAN3}: ${missing}\n")
	set(missing "")
endif()

execute_process(COMMAND "${CLI}" --help RESULT_VARIABLE rc
	OUTPUT_VARIABLE help ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT help MATCHES "Personalities:([^\n]*)")
	message(FATAL_ERROR "${CLI} --help: exit ${rc}, no personality list:\n"
		"${help}${err}")
endif()
string(STRIP "${CMAKE_MATCH_1}" plist)
separate_arguments(plist UNIX_COMMAND "${plist}")
list(LENGTH plist np)
if(np LESS 1)
	message(FATAL_ERROR "no personalities in ${CLI} --help")
endif()
string(REGEX MATCH "\\.SH NAME\n[^\n]*" name_line "${man8}")
foreach(p IN LISTS plist)
	string(REPLACE "-" "\\\\?-" re "${p}")
	if(NOT man8 MATCHES "\n\\.SS ${re}\n")
		list(APPEND missing "${p} (no .SS subsection)")
	endif()
	if(NOT name_line MATCHES "(^|[ ,])${re}[ ,]")
		list(APPEND missing "${p} (not in NAME)")
	endif()
endforeach()
if(missing)
	string(APPEND failures "${MAN8} lacks: ${missing}\n")
endif()
if(failures)
	message(FATAL_ERROR "${failures}")
endif()
message(STATUS "${n} symbols in ${MAN3}, ${np} personalities in ${MAN8}")
