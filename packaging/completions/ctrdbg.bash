# bash completion for ctrdbg(1)                               -*- shell-script -*-
#
# Options (only before TARGET, as ctrdbg parses them), option values, and for
# TARGET: the running containers, read from disk by `ctrdbg --list --json` (as
# root only; nothing otherwise), plus the qualified forms pid://, docker://,
# podman://, containerd://, k8s://. After TARGET comes a command that runs inside
# the container: nothing on the host can complete it.
#
# Installed as /usr/share/bash-completion/completions/ctrdbg (loaded on demand by
# bash-completion); it also works when sourced directly.

# The option names of `ctrdbg --help`; and those that take a value.
_ctrdbg_options='-t --tty -T --no-tty -e --env -w --workdir -u --user --as-container --privileged --toolbox --tools --image
--timeout --timeout-cmd --record --escape --engine --docker-root --list --json
--show-toolset -v --verbose -h --help --version'
_ctrdbg_takes_value() {
  case $1 in
    -e | --env | -w | --workdir | -u | --user | --toolbox | --tools | --image | --timeout | --timeout-cmd | --record | --escape | --engine | \
      --docker-root) return 0 ;;
  esac
  return 1
}

# _ctrdbg_targets CTRDBG: one candidate per line: bare names (Docker, podman) and
# ENGINE://NAME for every running container. Root only: ctrdbg refuses to run
# otherwise, and there is no point in asking for a password on <Tab>.
_ctrdbg_targets() {
  [ "${EUID:-$(id -u)}" = 0 ] || return 0
  local ctrdbg=$1 json
  if command -v timeout >/dev/null 2>&1; then
    json=$(timeout 3 "$ctrdbg" --list --json 2>/dev/null) || return 0
  else
    json=$("$ctrdbg" --list --json 2>/dev/null) || return 0
  fi
  # ctrdbg prints one key per line ("engine" comes before "name"): no JSON
  # parser needed. Container names carry no quotes or backslashes.
  printf '%s\n' "$json" | awk '
    /^ *"engine": *"/ { sub(/^ *"engine": *"/, ""); sub(/".*/, ""); engine = $0 }
    /^ *"name": *"/ {
      sub(/^ *"name": *"/, ""); sub(/".*/, ""); name = $0
      if (name == "") next
      if (engine == "docker" || engine == "podman") print name
      print engine "://" name
    }'
}

# COMPREPLY from compgen ARGS, one candidate per line (names may have spaces).
_ctrdbg_reply() {
  mapfile -t COMPREPLY < <(compgen "$@")
}

_ctrdbg() {
  local cur prev words cword
  if declare -F _init_completion >/dev/null 2>&1; then
    # -n : keeps docker://web together (":" is a word break for readline).
    _init_completion -n : || return
  else
    # Without bash-completion: put "docker" ":" "//web" back together.
    words=()
    local i w
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
      w=${COMP_WORDS[i]}
      if ((i > 0)) && [[ $w == :* || ${words[${#words[@]} - 1]} == *: ]] && [[ ${words[${#words[@]} - 1]} != -* ]]; then
        words[${#words[@]} - 1]+=$w
      else
        words+=("$w")
      fi
      ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
    done
    cur=${words[cword]}
    prev=${words[cword - 1]:-}
  fi

  # Where is TARGET? The same scan as ctrdbg's: the first word that is not an
  # option or an option's value; "--" before it ends the options.
  local i target_at=-1 list=0
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      --) target_at=$((i + 1)); break ;;
      --list | --show-toolset) list=1 ;;
      --*=*) ;;
      --*) _ctrdbg_takes_value "${words[i]}" && ((i++)) ;;
      -?*)
        # A cluster such as -tv or -eKEY=V: a value option letter takes the rest,
        # or the next word when it is last.
        local k=1 c
        while ((k < ${#words[i]})); do
          c=-${words[i]:k:1}
          if _ctrdbg_takes_value "$c"; then
            ((k + 1 == ${#words[i]})) && ((i++))
            break
          fi
          ((k++))
        done
        ;;
      *) target_at=$i; break ;;
    esac
  done
  # After TARGET: the command runs inside the container.
  ((target_at >= 0 && cword > target_at)) && return 0

  # The value of an option.
  case $prev in
    -e | --env)
      # -e KEY takes KEY's value from here: offer exported variable names.
      _ctrdbg_reply -e -- "$cur"
      return 0 ;;
    -w | --workdir | -u | --user)
      return 0 ;;  # a path or a user inside the container
    --toolbox | --record)
      _ctrdbg_reply -f -- "$cur"
      compopt -o filenames 2>/dev/null
      return 0 ;;
    --tools)
      # A comma-separated list: complete the last element, command names or files.
      local prefix="" last=$cur
      [[ $cur == *,* ]] && prefix=${cur%,*}, last=${cur##*,}
      _ctrdbg_reply -c -f -P "$prefix" -- "$last"
      return 0 ;;
    --image)
      local images
      images=$(docker image ls --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep -v '<none>')
      _ctrdbg_reply -W "$images" -- "$cur"
      return 0 ;;
    --docker-root)
      _ctrdbg_reply -d -- "$cur"
      compopt -o filenames 2>/dev/null
      return 0 ;;
    --timeout | --timeout-cmd)
      _ctrdbg_reply -W '500ms 1s 2s 5s 30s 1m 10m' -- "$cur"
      return 0 ;;
    --escape)
      _ctrdbg_reply -W '^] ^A ^B ^X none' -- "$cur"
      return 0 ;;
    --engine)
      _ctrdbg_reply -W 'api disk auto' -- "$cur"
      return 0 ;;
  esac

  if [[ $cur == -* && $target_at -lt 0 ]]; then
    _ctrdbg_reply -W "$_ctrdbg_options" -- "$cur"
    return 0
  fi
  # --list and --show-toolset take no TARGET.
  ((list)) && return 0

  # TARGET.
  local ctrdbg=${words[0]}
  [[ $ctrdbg == */* ]] || ctrdbg=$(type -P "$ctrdbg" 2>/dev/null) || ctrdbg=ctrdbg
  if [[ $cur == pid://* ]]; then
    local p pids=()
    for p in /proc/[0-9]*; do pids+=("pid://${p#/proc/}"); done
    _ctrdbg_reply -W "${pids[*]}" -- "$cur"
  else
    local IFS=$'\n'
    _ctrdbg_reply -W "$(_ctrdbg_targets "$ctrdbg")" -- "$cur"
    IFS=$' \t\n'
    local prefix prefixes=()
    for prefix in pid:// docker:// podman:// containerd:// k8s://; do
      [[ $prefix == "$cur"* && $prefix != "$cur" ]] && prefixes+=("$prefix")
    done
    COMPREPLY+=("${prefixes[@]}")
    # A lone prefix is not finished: no space after it.
    if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *:// ]]; then
      compopt -o nospace 2>/dev/null
    fi
  fi
  # readline replaces only the part after the last ":": drop what precedes it.
  if [[ $cur == *:* ]]; then
    local colon_prefix=${cur%"${cur##*:}"} j
    for j in "${!COMPREPLY[@]}"; do COMPREPLY[j]=${COMPREPLY[j]#"$colon_prefix"}; done
  fi
  return 0
}
complete -F _ctrdbg ctrdbg
