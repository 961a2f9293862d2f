package dev.ntm.sweep;

import java.io.Serial;
import java.io.Serializable;
import java.util.concurrent.Callable;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;

/**
 * The task a member runs for one job: its {@link JobRunner} runs the job, and the result goes
 * into the cluster's results map before it is returned (so that a result whose answer is lost
 * with its member is still found).
 */
final class RunJobTask implements Callable<JobResult>, Serializable, HazelcastInstanceAware {

    @Serial
    private static final long serialVersionUID = 1L;

    private final SweepJob job;
    private final String resultsMap;
    private transient HazelcastInstance hazelcast;

    /** @param resultsMap the results map of this run of the sweep */
    RunJobTask(SweepJob job, String resultsMap) {
        this.job = job;
        this.resultsMap = resultsMap;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
        this.hazelcast = hazelcastInstance;
    }

    @Override
    public JobResult call() throws Exception {
        if (!(hazelcast.getConfig().getUserContext().get(SweepMember.RUNNER) instanceof JobRunner runner)) {
            throw new IllegalStateException("member " + SweepMember.address(hazelcast.getCluster().getLocalMember())
                    + " runs no jobs");
        }
        JobResult result = runner.run(job, SweepMember.address(hazelcast.getCluster().getLocalMember()));
        hazelcast.getMap(resultsMap).set(job.id(), result);
        return result;
    }
}
