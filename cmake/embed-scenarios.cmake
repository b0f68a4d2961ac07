# Turn workloads/scenarios/*.json into a C array, so the built-in scenarios
# travel inside the binary (the guest's static mmstall has no source tree).
# Usage: cmake -DSRC=dir -DOUT=file.c -P embed-scenarios.cmake
file(GLOB files "${SRC}/*.json")
list(SORT files)
set(out "/* Generated from the JSON files in workloads/scenarios by cmake/embed-scenarios.cmake. */\n")
string(APPEND out "#include \"workloads/scenario.h\"\n\nconst struct scenario_builtin scenario_builtins[] = {\n")
foreach(f ${files})
  get_filename_component(name "${f}" NAME_WE)
  file(READ "${f}" hex HEX)
  # every byte as \xNN: no quoting rules to get wrong
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" esc "${hex}")
  string(APPEND out "\t{ \"${name}\", \"${esc}\" },\n")
endforeach()
string(APPEND out "\t{ 0, 0 },\n};\n")
file(WRITE "${OUT}.tmp" "${out}")
configure_file("${OUT}.tmp" "${OUT}" COPYONLY)
