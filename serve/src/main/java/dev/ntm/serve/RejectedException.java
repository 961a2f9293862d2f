package dev.ntm.serve;

/**
 * A request the runner could not accept: its queue stayed full (back-pressure) or the limit of open
 * sessions was reached. Nothing was submitted and the session is unchanged; the caller may retry.
 */
public final class RejectedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A rejection saying why. */
    public RejectedException(String message) {
        super(message);
    }
}
