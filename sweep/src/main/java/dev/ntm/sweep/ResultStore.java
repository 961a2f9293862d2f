package dev.ntm.sweep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results of a sweep on disk, one file per finished job ({@code results/ID.json} under the
 * sweep's folder), written atomically as each job ends: a sweep stopped and started again
 * skips the jobs found here.
 */
public final class ResultStore {

    private final Path dir;

    /** @param sweepDir the sweep's folder ({@code --out}) */
    public ResultStore(Path sweepDir) {
        this.dir = sweepDir.resolve("results");
    }

    /**
     * The results already there for these jobs, by id. Only finished runs count (a failed job is
     * tried again); a file that does not read as a result is ignored (the job runs again).
     */
    public Map<String, JobResult> load(List<SweepJob> jobs) throws IOException {
        Map<String, JobResult> found = new LinkedHashMap<>();
        for (SweepJob job : jobs) {
            Path f = file(job.id());
            if (Files.isRegularFile(f)) {
                try {
                    JobResult r = JobResult.fromJson(Files.readString(f));
                    if (r.finished() && r.id().equals(job.id())) {
                        found.put(job.id(), r);
                    }
                } catch (IllegalArgumentException e) {
                    // unreadable (a disk full mid-write cannot leave one: writes are atomic); run it again
                }
            }
        }
        return found;
    }

    /** Writes a result (temporary file, then rename). */
    public void save(JobResult result) throws IOException {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(result.id() + ".json.tmp");
        Files.writeString(tmp, result.toJson() + System.lineSeparator());
        Files.move(tmp, file(result.id()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Path file(String id) {
        return dir.resolve(id + ".json");
    }
}
