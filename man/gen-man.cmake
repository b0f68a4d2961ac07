# Fill man/mmstall.1.in's @SCENARIO_OPTIONS@ from the binary's key table.
execute_process(COMMAND ${MMSTALL} --man-scenario-options OUTPUT_VARIABLE SCENARIO_OPTIONS RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mmstall --man-scenario-options failed")
endif()
configure_file(${IN} ${OUT} @ONLY)
