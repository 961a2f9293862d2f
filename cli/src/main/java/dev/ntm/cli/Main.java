package dev.ntm.cli;

import java.io.IOException;
import java.io.UncheckedIOException;

import dev.ntm.engine.io.IoErrors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code ntm} command line. */
@Command(name = "ntm", mixinStandardHelpOptions = true, version = "ntm 0.1.0",
        description = "A fast CPU Neural Turing Machine engine.",
        subcommands = {TrainCommand.class, EvalCommand.class, TasksCommand.class, TraceCommand.class,
                BenchCommand.class, InfoCommand.class})
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
            String prefix = "ntm " + cmd.getCommandName() + ": ";
            switch (ex) {
                case IllegalArgumentException e -> cmd.getErr().println(prefix + e.getMessage());
                case IOException e -> cmd.getErr().println(prefix + IoErrors.describe(e));
                case UncheckedIOException e -> cmd.getErr().println(prefix + IoErrors.describe(e.getCause()));
                default -> throw ex;
            }
            return 2;
        });
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // a last resort: the memory estimates (MemoryBudget) should have refused the command before
            System.err.println("ntm: out of memory (" + e.getMessage() + "); use smaller sizes or give the JVM more "
                    + "(-Xmx through NTM_JAVA_OPTS)");
            return 2;
        }
    }
}
