# debian/libxhp1.symbols must list exactly the exported ABI of
# libxhp/libxhp.sym, each symbol with its version node, so that
# dpkg-shlibdeps gives programs the right libxhp1 dependency. A symbol
# added to libxhp.sym without its line here fails with the line to add.
# cmake -DSYMFILE=<libxhp.sym> -DDEBSYMBOLS=<libxhp1.symbols>
#       -DVERSION=<project version> -P check_debian_symbols.cmake
cmake_policy(SET CMP0057 NEW)
file(READ ${SYMFILE} sym)
string(REGEX REPLACE "/\\*[^*]*\\*+([^/*][^*]*\\*+)*/" "" sym "${sym}")
# ";" would split CMake lists: "," instead.
string(REPLACE ";" "," sym "${sym}")
string(REGEX MATCHALL "XHP_[0-9.]+[ \t\n]*{[^}]*}" blocks "${sym}")
set(want "")
foreach(b IN LISTS blocks)
	string(REGEX MATCH "^XHP_[0-9.]+" node "${b}")
	list(APPEND want "${node}@${node}")
	string(REGEX REPLACE "local:.*" "" b "${b}")
	string(REGEX MATCHALL "[ \t\n]xhp_[a-z0-9_]+," names "${b}")
	foreach(n IN LISTS names)
		string(STRIP "${n}" n)
		string(REGEX REPLACE ",$" "" n "${n}")
		list(APPEND want "${n}@${node}")
	endforeach()
endforeach()
list(LENGTH want nwant)
if(nwant LESS 10)
	message(FATAL_ERROR "only ${nwant} symbols in ${SYMFILE}: parse error?")
endif()

# " name@NODE version" lines (the header and "* field" lines aside).
file(STRINGS ${DEBSYMBOLS} lines REGEX "^ ")
set(have "")
foreach(l IN LISTS lines)
	if(NOT l MATCHES "^ ([A-Za-z0-9_.]+@XHP_[0-9.]+) [0-9][^ ]*$")
		message(FATAL_ERROR "${DEBSYMBOLS}: cannot read line '${l}' "
			"(expected ' symbol@XHP_x.y version')")
	endif()
	list(APPEND have "${CMAKE_MATCH_1}")
endforeach()

set(msg "")
foreach(s IN LISTS want)
	if(NOT s IN_LIST have)
		string(APPEND msg "  missing: add the line ' ${s} V' (V: the "
			"first release with it; the project is at ${VERSION})\n")
	endif()
endforeach()
foreach(s IN LISTS have)
	if(NOT s IN_LIST want)
		string(APPEND msg "  extra: ' ${s}' is not exported in that "
			"node of libxhp.sym: remove the line or fix its node\n")
	endif()
endforeach()
if(msg)
	message(FATAL_ERROR "${DEBSYMBOLS} does not match ${SYMFILE}:\n${msg}")
endif()
message(STATUS "${DEBSYMBOLS}: the ${nwant} symbols and nodes of libxhp.sym")
