package dev.ntm.cli;

/** The exit statuses of every {@code ntm} command, listed in {@code ntm --help} (Main's footer) and README.md. */
final class ExitCodes {

    /** Success. */
    static final int OK = 0;
    /** {@code ntm bench --compare}: a figure regressed against the baseline. */
    static final int REGRESSION = 1;
    /** Bad usage: an unknown option, a bad value, options that do not go together. */
    static final int USAGE = 2;
    /** An input file is missing, unreadable or not what it should be (checkpoint, trace, curve, baseline). */
    static final int INPUT_FILE = 3;
    /** The work failed: training stopped on non-finite values, an output could not be written, an internal error. */
    static final int FAILURE = 4;

    private ExitCodes() {
    }
}
