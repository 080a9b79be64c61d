# groff -t -man -ww -z PAGE (tables through tbl): exit 0 and not one warning.
execute_process(COMMAND "${GROFF}" -t -man -ww -z "${PAGE}"
	RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT "${out}${err}" STREQUAL "")
	message(FATAL_ERROR "groff -man -ww -z ${PAGE}: exit ${rc}\n${out}${err}")
endif()
message(STATUS "${PAGE}: no groff warnings")
