_baseten_logs_completion() {
    local IFS=$'
'
    COMPREPLY=( $( env COMP_WORDS="${COMP_WORDS[*]}" \
                   COMP_CWORD=$COMP_CWORD \
                   _BASETEN_LOGS_COMPLETE=complete_bash $1 ) )
    return 0
}

complete -o default -F _baseten_logs_completion baseten-logs
