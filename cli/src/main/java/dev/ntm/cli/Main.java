package dev.ntm.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code ntm} command line. */
@Command(name = "ntm", mixinStandardHelpOptions = true, version = "ntm 0.1.0",
        description = "A fast CPU Neural Turing Machine engine.",
        subcommands = {TrainCommand.class, EvalCommand.class, TasksCommand.class, TraceCommand.class,
                BenchCommand.class, InfoCommand.class, StatCommand.class})
public final class Main implements Runnable {

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit status (used by tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException || ex instanceof java.io.IOException) {
                cmd.getErr().println("ntm " + cmd.getCommandName() + ": " + ex.getMessage());
                return 2;
            }
            throw ex;
        });
        return cl.execute(args);
    }
}
