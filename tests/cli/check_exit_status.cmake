# Exit statuses as xhp-hotplug(8) says: every line of the table under
# EXIT STATUS is run, for every personality (under its own name, the
# links next to the binary, and as "xhp-hotplug P") where it says P, and
# its status compared. No xenstore is reachable (XENSTORED_PATH names
# nothing), so nothing outside this test is touched; the lock lines use a
# lock name of their own in /var/run/xen-hotplug (root).
# -DMAN8=<xhp-hotplug.8> -DCLI_DIR=<dir of xhp-hotplug and its links>
# -DWORK=<scratch dir>
cmake_minimum_required(VERSION 3.25)
execute_process(COMMAND id -u OUTPUT_VARIABLE uid
	OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT uid STREQUAL "0")
	message(STATUS "SKIPPED: needs root (the lock lines take hotplug locks)")
	return()
endif()

file(READ "${MAN8}" man)
# ";" and "[" would be read as CMake list syntax: the table has none.
if(man MATCHES "\n\\.SH EXIT STATUS\n.*\n\\.TS\n[^\n]*\\.\n([^\n]*)\n(.*)\n\\.TE\n")
	set(header "${CMAKE_MATCH_1}")
	set(body "${CMAKE_MATCH_2}")
else()
	message(FATAL_ERROR "${MAN8}: no table under EXIT STATUS")
endif()
string(REGEX MATCH "^[^\n]*" header "${header}")
if(NOT header STREQUAL "status\tcommand\twhy")
	message(FATAL_ERROR "${MAN8}: EXIT STATUS table header is '${header}'")
endif()
# Only the EXIT STATUS table: stop at its .TE.
string(REGEX REPLACE "\n\\.TE\n.*" "" body "${body}")
string(REPLACE "\n" ";" rows "${body}")

# The personalities: the program's own list.
execute_process(COMMAND ${CLI_DIR}/xhp-hotplug --help OUTPUT_VARIABLE help)
if(NOT help MATCHES "Personalities:([^\n]*)")
	message(FATAL_ERROR "xhp-hotplug --help lists no personalities")
endif()
separate_arguments(personalities UNIX_COMMAND "${CMAKE_MATCH_1}")

string(RANDOM LENGTH 8 ALPHABET abcdefghijklmnopqrstuvwxyz0123456789 r)
set(lockname "xhp-test-exit-${r}")
set(V XENBUS_PATH=backend/vif/1/0 vif=vif1.0)
set(B XENBUS_PATH=backend/vbd/1/51712)
set(base_env --unset=XENBUS_PATH --unset=XENBUS_TYPE --unset=vif
	--unset=INTERFACE --unset=XENBUS_BASE_PATH --unset=script
	--unset=XHP_DEBUG XENSTORED_PATH=${WORK}/no-xenstored
	PATH=${CLI_DIR}:$ENV{PATH})

set(failures "")
set(runs 0)
# run(STATUS ENV... -- ARGV...)
function(run want)
	list(FIND ARGN -- sep)
	list(SUBLIST ARGN 0 ${sep} env)
	math(EXPR sep "${sep} + 1")
	list(SUBLIST ARGN ${sep} -1 argv)
	execute_process(COMMAND ${CMAKE_COMMAND} -E env ${base_env} ${env}
		${argv} RESULT_VARIABLE rc OUTPUT_VARIABLE out
		ERROR_VARIABLE err TIMEOUT 30)
	math(EXPR n "${runs} + 1")
	set(runs ${n} PARENT_SCOPE)
	if(NOT "${rc}" STREQUAL "${want}")
		string(REPLACE ";" " " a "${env} ${argv}")
		set(failures "${failures}  ${a}: exit ${rc}, the page says ${want}: ${err}\n"
			PARENT_SCOPE)
	endif()
endfunction()

set(nrows 0)
foreach(row IN LISTS rows)
	string(REGEX REPLACE "\\\\f[BIRP]" "" row "${row}")
	string(REPLACE "\\-" "-" row "${row}")
	if(NOT row MATCHES "^([0-9]+)\t([^\t]*)\t[^\t]+$")
		message(FATAL_ERROR "${MAN8}: bad EXIT STATUS row '${row}'")
	endif()
	set(want ${CMAKE_MATCH_1})
	separate_arguments(words UNIX_COMMAND "${CMAKE_MATCH_2}")
	math(EXPR nrows "${nrows} + 1")
	# The environment: V, B, NAME=value words before the program.
	set(env "")
	while(words)
		list(GET words 0 w)
		if(w STREQUAL "V" OR w STREQUAL "B")
			list(APPEND env ${${w}})
		elseif(w MATCHES "^[A-Za-z_]+=")
			list(APPEND env ${w})
		else()
			break()
		endif()
		list(REMOVE_AT words 0)
	endwhile()
	list(TRANSFORM words REPLACE "^name$" "${lockname}")
	list(POP_FRONT words prog)
	if(prog STREQUAL "P")
		set(progs ${personalities})
	else()
		set(progs ${prog})
	endif()
	foreach(p IN LISTS progs)
		if(p IN_LIST personalities)
			run(${want} ${env} -- ${CLI_DIR}/${p} ${words})
			run(${want} ${env} -- ${CLI_DIR}/xhp-hotplug ${p} ${words})
		elseif(p STREQUAL "xhp-hotplug")
			run(${want} ${env} -- ${CLI_DIR}/xhp-hotplug ${words})
		else()
			message(FATAL_ERROR "${MAN8}: EXIT STATUS row runs '${p}'")
		endif()
	endforeach()
endforeach()
file(REMOVE /var/run/xen-hotplug/${lockname})
if(nrows LESS 20)
	message(FATAL_ERROR "only ${nrows} rows in the EXIT STATUS table")
endif()
if(failures)
	message(FATAL_ERROR "exit statuses differ from ${MAN8}:\n${failures}")
endif()
message(STATUS "${runs} runs of the ${nrows} EXIT STATUS rows: as the page says")
