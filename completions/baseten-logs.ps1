Register-ArgumentCompleter -Native -CommandName baseten-logs -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $Env:_BASETEN_LOGS_COMPLETE = 'complete_powershell'
    $Env:_TYPER_COMPLETE_ARGS = $commandAst.ToString()
    $Env:_TYPER_COMPLETE_WORD_TO_COMPLETE = $wordToComplete
    try {
        # One candidate per line, each field already safe: read as data, never invoked.
        baseten-logs | ForEach-Object {
            $text, $shown, $tip = $_ -split "`t", 3
            if ($tip) {
                [System.Management.Automation.CompletionResult]::new(
                    $text, $shown, 'ParameterValue', $tip)
            }
        }
    } finally {
        Remove-Item Env:_BASETEN_LOGS_COMPLETE, Env:_TYPER_COMPLETE_ARGS, `
            Env:_TYPER_COMPLETE_WORD_TO_COMPLETE -ErrorAction SilentlyContinue
    }
}
