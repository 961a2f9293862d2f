package dev.ntm.cli;

import java.util.ArrayList;
import java.util.List;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C (SIGINT) and SIGTERM during a command that can stop cleanly: the first signal runs the
 * command's stop action (the trainer then finishes its batch, writes its checkpoint and summary
 * and returns); a second one halts the JVM at once with the same status. The status is the
 * shell's convention, 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM.
 *
 * <p>{@code sun.misc.Signal} (module jdk.unsupported, readable without flags) rather than a
 * shutdown hook: once a hook runs, the JVM is already exiting and a second Ctrl-C cannot cut
 * the shutdown short.
 */
final class StopSignals implements AutoCloseable {

    private final Runnable stop;
    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private volatile int status;

    private StopSignals(Runnable stop) {
        this.stop = stop;
    }

    /** Installs the handlers for SIGINT and SIGTERM until {@link #close()}. */
    static StopSignals install(Runnable stop) {
        StopSignals s = new StopSignals(stop);
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                Signal signal = new Signal(name);
                s.previous.add(Signal.handle(signal, s::handle));
                s.signals.add(signal);
            } catch (IllegalArgumentException e) {
                // the signal is not available here (or the JVM runs with -Xrs): the default stays
            }
        }
        return s;
    }

    private void handle(Signal signal) {
        int code = 128 + signal.getNumber();
        if (status != 0) {
            System.err.println(System.lineSeparator() + "ntm: second " + "SIG" + signal.getName()
                    + ", quitting at once (the last periodic checkpoint stays valid)");
            Runtime.getRuntime().halt(code);
        }
        status = code;
        System.err.println(System.lineSeparator() + "ntm: SIG" + signal.getName() + ": stopping after this batch "
                + "and writing a checkpoint (press Ctrl-C again to quit at once)");
        stop.run();
    }

    /** 0 when no signal came, else 128 + the first signal's number. */
    int status() {
        return status;
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) {
            Signal.handle(signals.get(i), previous.get(i));
        }
    }
}
