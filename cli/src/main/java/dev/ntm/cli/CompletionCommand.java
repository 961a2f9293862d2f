package dev.ntm.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code ntm completion}: prints a bash completion script, which zsh runs too through bashcompinit. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a bash/zsh completion script for ntm (commands, options, task names).",
                "bash: source <(./ntm completion)     (or save it under ~/.local/share/bash-completion/completions/ntm)",
                "zsh:  autoload -U +X bashcompinit && bashcompinit && source <(./ntm completion)"})
final class CompletionCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        CommandLine root = spec.root().commandLine();
        spec.commandLine().getOut().print(AutoComplete.bash(root.getCommandName(), root));
        spec.commandLine().getOut().flush();
    }
}
