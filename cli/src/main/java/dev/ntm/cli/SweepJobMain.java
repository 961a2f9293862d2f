package dev.ntm.cli;

import java.io.IOException;
import java.io.InputStream;

/**
 * The entry point of one sweep job's JVM: {@code ntm train} with the given arguments, watched
 * by its member. The member holds this JVM's standard input open and never writes to it; when
 * the input ends, the member is gone (it died, even by kill -9), and the job halts at once
 * rather than train on as an orphan holding the run folder's lock. Its last periodic
 * checkpoint stays valid for the member that runs the job again.
 */
public final class SweepJobMain {

    /** The status of a job whose member went away (128 + SIGKILL's number, as if it had been killed). */
    static final int ORPHANED = 137;

    private SweepJobMain() {
    }

    /** Runs {@code ntm train ARGS...} and exits with its status. */
    public static void main(String[] args) {
        Thread watchdog = new Thread(() -> watch(System.in), "ntm-sweep-parent-watch");
        watchdog.setDaemon(true);
        watchdog.start();
        String[] train = new String[args.length + 1];
        train[0] = "train";
        System.arraycopy(args, 0, train, 1, args.length);
        System.exit(Main.run(train));
    }

    private static void watch(InputStream in) {
        try {
            while (in.read() >= 0) {
                // nothing is ever sent; read until the member's end of the pipe closes
            }
        } catch (IOException e) {
            // the pipe broke: the member is gone just the same
        }
        System.err.println("ntm sweep job: the member that ran this job is gone; stopping");
        Runtime.getRuntime().halt(ORPHANED);
    }
}
