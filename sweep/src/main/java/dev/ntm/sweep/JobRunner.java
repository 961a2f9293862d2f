package dev.ntm.sweep;

/** Runs one job of a sweep on this member and says what it came to. */
@FunctionalInterface
public interface JobRunner {

    /**
     * Runs the job to its end (or continues it from its run folder's checkpoint).
     *
     * @param job    the job
     * @param member this member's address, recorded in the result
     * @return the result; a run that failed has a non-zero {@link JobResult#status()}
     * @throws InterruptedException when this member is shutting down (the job is then run again elsewhere)
     */
    JobResult run(SweepJob job, String member) throws InterruptedException;
}
