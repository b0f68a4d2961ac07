# Turn workloads/fio/*.fio into a C array, so the shipped fio job files
# travel inside the binary (the guest's static mmstall has no source tree).
# Usage: cmake -DSRC=dir -DOUT=file.c -P embed-fio-jobs.cmake
file(GLOB files "${SRC}/*.fio")
list(SORT files)
set(out "/* Generated from the job files in workloads/fio by cmake/embed-fio-jobs.cmake. */\n")
string(APPEND out "#include \"workloads/fio.h\"\n\nconst struct fio_builtin fio_builtins[] = {\n")
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
