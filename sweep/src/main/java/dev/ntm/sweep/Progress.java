package dev.ntm.sweep;

import java.util.List;
import java.util.Locale;

/**
 * Where a sweep stands: jobs done, running and queued, per member, and an estimate of the time
 * left.
 *
 * @param done       jobs with a result (failed ones included)
 * @param failed     of those, jobs that failed
 * @param running    jobs running now
 * @param queued     jobs waiting for a free slot
 * @param members    each member's share
 * @param etaSeconds the estimated seconds left, or -1 before the first job of this run ends
 */
public record Progress(int done, int failed, int running, int queued, List<MemberShare> members, double etaSeconds) {

    /**
     * One member's share of the sweep.
     *
     * @param address its address
     * @param slots   the jobs it runs at once
     * @param done    jobs it finished in this run of the sweep
     * @param running jobs it runs now
     */
    public record MemberShare(String address, int slots, int done, int running) {
    }

    public Progress {
        members = List.copyOf(members);
    }

    /** The line a sweep prints, e.g. {@code sweep: 4/12 done, 2 running, 6 queued, ETA 3m20s | 127.0.0.1:5701 3 done 1 running}. */
    public String line() {
        int total = done + running + queued;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "sweep: %d/%d done%s, %d running, %d queued, ETA %s",
                done, total, failed > 0 ? " (" + failed + " failed)" : "", running, queued, duration(etaSeconds)));
        for (MemberShare m : members) {
            b.append(String.format(Locale.ROOT, " | %s %d done %d/%d running", m.address(), m.done(), m.running(), m.slots()));
        }
        return b.toString();
    }

    /** {@code 45s}, {@code 3m20s}, {@code 2h05m}; {@code --} when unknown. */
    static String duration(double seconds) {
        if (seconds < 0 || !Double.isFinite(seconds)) {
            return "--";
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
