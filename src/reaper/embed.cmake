# cmake -DIN=FILE -DOUT=FILE.inc -P embed.cmake: FILE's bytes as a comma-separated
# list of hex literals, for `const unsigned char x[] = {\n#include "FILE.inc"\n};`.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp" "${bytes}\n")
file(RENAME "${OUT}.tmp" "${OUT}")
