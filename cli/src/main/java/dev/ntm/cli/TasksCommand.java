package dev.ntm.cli;

import java.util.Locale;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.task.Tasks;
import picocli.CommandLine.Command;

/** {@code ntm tasks}: the tasks, their shapes and their paper configurations. */
@Command(name = "tasks", mixinStandardHelpOptions = true, description = "List the tasks and their shapes.")
final class TasksCommand implements Runnable {

    @Override
    public void run() {
        System.out.printf(Locale.ROOT, "%-20s %3s %3s %9s  %s%n", "task", "X", "Y", "max steps", "layout / paper model");
        for (String name : Tasks.names()) {
            Task t = Tasks.byName(name);
            NtmConfig c = Tasks.paperConfig(t);
            System.out.printf(Locale.ROOT, "%-20s %3d %3d %9d  %s%n", name, t.inputSize(), t.outputSize(), t.maxSteps(),
                    t.describe());
            System.out.printf(Locale.ROOT, "%-20s %3s %3s %9s  model: LSTM %dx%d, memory %dx%d, %d read + %d write heads%n",
                    "", "", "", "", c.layers(), c.hiddenSize(), c.memoryRows(), c.memoryWidth(), c.readHeads(),
                    c.writeHeads());
        }
    }
}
