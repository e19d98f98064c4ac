function __baseten_logs_complete
    # One candidate per line ("value<TAB>description"), read as data: never evaluated.
    env _BASETEN_LOGS_COMPLETE=complete_fish _TYPER_COMPLETE_FISH_ACTION=$argv[1] \
        _TYPER_COMPLETE_ARGS=(commandline -cp) baseten-logs
end

complete --command baseten-logs --no-files --arguments '(__baseten_logs_complete get-args)' \
    --condition '__baseten_logs_complete is-args'
