package dev.ntm.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

import dev.ntm.cli.viz.Curve;
import dev.ntm.engine.io.IoErrors;
import dev.ntm.engine.io.Safetensors;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code ntm} command line. */
@Command(name = "ntm", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "A fast CPU Neural Turing Machine engine.",
        subcommands = {TrainCommand.class, EvalCommand.class, TasksCommand.class, TraceCommand.class,
                VizCommand.class, SweepCommand.class, WorkerCommand.class, BenchCommand.class, InfoCommand.class, StatCommand.class, CompletionCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "ntm help COMMAND (or ntm COMMAND --help) describes a command.", "",
                "Exit status: 0 success; 1 a benchmark figure regressed (ntm bench --compare);",
                "  2 bad usage (unknown option, bad value); 3 an input file is missing or unreadable;",
                "  4 the work failed (non-finite values in training, output not written, internal error)."})
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
        CommandLine cl = commandLine();
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            int status = exitCode(ex);
            String message = ex.getMessage() != null ? ex.getMessage() : ex.toString();
            if (ex instanceof IOException e) {
                message = IoErrors.describe(e);
            } else if (ex instanceof UncheckedIOException e) {
                message = IoErrors.describe(e.getCause());
            } else if (status == ExitCodes.FAILURE) {
                message = "internal error: " + ex;
                if (Boolean.getBoolean("ntm.stacktrace")) {
                    ex.printStackTrace(cmd.getErr());
                } else {
                    message += " (run with NTM_JAVA_OPTS=-Dntm.stacktrace=true for the stack trace)";
                }
            }
            cmd.getErr().println("ntm " + cmd.getCommandName() + ": " + message);
            return status;
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

    /** The command tree, every command with the same {@code --version}. */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExitCodeExceptionMapper(Main::exitCode);
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(new VersionProvider());
        }
        return cl;
    }

    /** The exit status of an exception that ended a command ({@link ExitCodes}). */
    static int exitCode(Throwable ex) {
        if (ex instanceof UncheckedIOException u) {
            ex = u.getCause();
        }
        if (ex instanceof CommandLine.ParameterException || ex instanceof IllegalArgumentException) {
            return ExitCodes.USAGE;
        }
        if (ex instanceof NoSuchFileException || ex instanceof FileNotFoundException
                || ex instanceof AccessDeniedException || ex instanceof FileSystemException || ex instanceof Safetensors.FormatException
                || ex instanceof dev.ntm.serve.CountersFile.FormatException
                || ex instanceof Curve.CurveFormatException) {
            return ExitCodes.INPUT_FILE;
        }
        return ExitCodes.FAILURE;
    }
}
