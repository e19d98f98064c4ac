_baseten_logs_completion() {
    local IFS=$'\n'
    # One candidate per line, each already quoted for bash: read as data, not split or globbed.
    mapfile -t COMPREPLY < <(env COMP_WORDS="${COMP_WORDS[*]}" \
                   COMP_CWORD=$COMP_CWORD \
                   _BASETEN_LOGS_COMPLETE=complete_bash "$1")
    [[ ${#COMPREPLY[@]} -eq 1 && -z ${COMPREPLY[0]} ]] && COMPREPLY=()
    return 0
}

complete -o default -F _baseten_logs_completion baseten-logs
