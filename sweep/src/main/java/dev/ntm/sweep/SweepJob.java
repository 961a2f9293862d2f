package dev.ntm.sweep;

import java.io.Serializable;
import java.util.List;

/**
 * One training run of a sweep: the {@code ntm train} arguments of one setting and one seed
 * (never {@code --out}, {@code --resume} or {@code --overwrite}: the member that runs the job
 * chooses those from the job's run folder).
 *
 * @param id        the run's name, unique in the sweep and usable as a folder name
 * @param setting   the setting without the seed, e.g. {@code task=copy lr=1e-4}: the table's row
 * @param seed      the seed
 * @param trainArgs the arguments of {@code ntm train}, seed included
 * @param runsDir   the absolute folder, on the sweep's machine, that holds one run folder per job;
 *                  a member on the same machine or a shared file system continues a job there
 */
public record SweepJob(String id, String setting, long seed, List<String> trainArgs, String runsDir)
        implements Serializable {

    public SweepJob {
        trainArgs = List.copyOf(trainArgs);
    }
}
