# Install rules: what `cmake --install` and the Debian package (packaging/CPackConfig.cmake,
# included after this file) put where. Included from the top-level CMakeLists.txt.
#
# Destinations are relative to CMAKE_INSTALL_PREFIX (/usr/local for `cmake --install`,
# /usr in the .deb, whose layout this follows):
#   sbin/ctrdbg                                   the static binary
#   share/man/man1/ctrdbg.1.gz                    the man page, gzipped at build time
#   share/bash-completion/completions/ctrdbg      bash completion
#   share/zsh/vendor-completions/_ctrdbg          zsh completion (Debian's zsh looks there)
#   share/doc/ctrdbg/examples/config.json         /etc/ctrdbg/config.json with every key
#   share/doc/ctrdbg/examples/systemd/            ctrdbg-snapshot@.service and .timer
#   libexec/ctrdbg/ctrdbg-snapshot                the script the snapshot unit runs
#   libexec/docker/cli-plugins/docker-ctrdbg      `docker ctrdbg ...`
# The examples refer to /usr/libexec/ctrdbg/ctrdbg-snapshot: with another prefix, edit
# ExecStart= when you copy the unit.

set(CTRDBG_PACKAGING_DIR ${CMAKE_CURRENT_LIST_DIR})

# The man page, gzipped (-n: no name or timestamp inside, so the package is reproducible).
find_program(CTRDBG_GZIP gzip REQUIRED)
set(CTRDBG_MANPAGE_GZ ${PROJECT_BINARY_DIR}/man/ctrdbg.1.gz)
add_custom_command(
  OUTPUT ${CTRDBG_MANPAGE_GZ}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
  COMMAND ${CMAKE_COMMAND} -E copy ${CTRDBG_PACKAGING_DIR}/ctrdbg.1 ${PROJECT_BINARY_DIR}/man/ctrdbg.1
  COMMAND ${CTRDBG_GZIP} -9 -n -f ${PROJECT_BINARY_DIR}/man/ctrdbg.1
  DEPENDS ${CTRDBG_PACKAGING_DIR}/ctrdbg.1
  COMMENT "Compressing the man page"
  VERBATIM)
add_custom_target(manpage ALL DEPENDS ${CTRDBG_MANPAGE_GZ})

install(TARGETS ctrdbg RUNTIME DESTINATION sbin)
install(FILES ${CTRDBG_MANPAGE_GZ} DESTINATION share/man/man1)
install(FILES ${CTRDBG_PACKAGING_DIR}/completions/ctrdbg.bash
        DESTINATION share/bash-completion/completions RENAME ctrdbg)
install(FILES ${CTRDBG_PACKAGING_DIR}/completions/_ctrdbg DESTINATION share/zsh/vendor-completions)
install(FILES ${CTRDBG_PACKAGING_DIR}/config.json.example
        DESTINATION share/doc/ctrdbg/examples RENAME config.json)
install(FILES ${CTRDBG_PACKAGING_DIR}/systemd/ctrdbg-snapshot@.service
              ${CTRDBG_PACKAGING_DIR}/systemd/ctrdbg-snapshot@.timer
        DESTINATION share/doc/ctrdbg/examples/systemd)
install(PROGRAMS ${CTRDBG_PACKAGING_DIR}/ctrdbg-snapshot DESTINATION libexec/ctrdbg)
install(PROGRAMS ${CTRDBG_PACKAGING_DIR}/docker-ctrdbg DESTINATION libexec/docker/cli-plugins)
