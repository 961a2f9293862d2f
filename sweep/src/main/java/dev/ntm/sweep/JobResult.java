package dev.ntm.sweep;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import dev.ntm.engine.io.Json;

/**
 * What one training run of a sweep came to. The fields that the seed fixes ({@link #sequences},
 * {@link #solved}, {@link #bitErrorsPerSequence}, {@link #parametersSha256}) are the same bits on
 * any member, whether the run went through in one go or was continued from a checkpoint; the
 * others (seconds, member, resume point) describe how it went.
 *
 * @param id                   the job's id
 * @param setting              the job's setting (the table's row)
 * @param seed                 the job's seed
 * @param status               the exit status of {@code ntm train} (0 when it finished)
 * @param solved               whether the run solved the task
 * @param sequences            training sequences at the end
 * @param seconds              seconds of training in the attempt that finished the run
 * @param bitErrorsPerSequence bit errors per sequence of the run's last evaluation
 * @param parametersSha256     SHA-256 of the final parameters (their float bits, little-endian)
 * @param member               the member that ran it (its address)
 * @param resumedFrom          the sequence count of the checkpoint it continued from, or -1
 * @param error                why it failed (a line of its log), or null
 * @param firstSolvedSequences the sequence count at the run's first solved evaluation, or -1 if it had
 *                             none (below {@code sequences} when the run trained on past it,
 *                             {@code ntm train --min-sequences})
 * @param firstSolvedSeconds   the run's seconds of training at that evaluation (all its attempts), or
 *                             NaN
 */
public record JobResult(String id, String setting, long seed, int status, boolean solved, long sequences,
                        double seconds, double bitErrorsPerSequence, String parametersSha256, String member,
                        long resumedFrom, String error, long firstSolvedSequences, double firstSolvedSeconds)
        implements Serializable {

    /** A run that did not finish: its status and why. */
    public static JobResult failed(SweepJob job, int status, String member, String error) {
        return new JobResult(job.id(), job.setting(), job.seed(), status, false, 0, 0, Double.NaN, "", member, -1,
                error, -1, Double.NaN);
    }

    /** Whether {@code ntm train} finished (solved or not). */
    public boolean finished() {
        return status == 0;
    }

    /** The fields the seed fixes, for comparing two runs of one job. */
    public String outcome() {
        return String.format(Locale.ROOT, "%s sequences=%d solved=%b bitErrors=%s parameters=%s status=%d", id,
                sequences, solved, Double.toString(bitErrorsPerSequence), parametersSha256, status);
    }

    /** The result as JSON (results/ID.json under the sweep's folder). */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("setting", setting);
        m.put("seed", seed);
        m.put("status", status);
        m.put("solved", solved);
        m.put("sequences", sequences);
        m.put("seconds", seconds);
        m.put("bit_errors_per_sequence", Double.isFinite(bitErrorsPerSequence) ? bitErrorsPerSequence : null);
        m.put("parameters_sha256", parametersSha256);
        m.put("member", member);
        m.put("resumed_from", resumedFrom);
        m.put("error", error);
        m.put("first_solved_sequences", firstSolvedSequences);
        m.put("first_solved_seconds", Double.isFinite(firstSolvedSeconds) ? firstSolvedSeconds : null);
        return Json.writePretty(m);
    }

    /**
     * Reads {@link #toJson()}'s form.
     *
     * @throws IllegalArgumentException when the text is not such a result
     */
    public static JobResult fromJson(String text) {
        Map<String, Object> m = Json.parseObject(text, "a sweep job result");
        try {
            Object bits = m.get("bit_errors_per_sequence");
            return new JobResult((String) m.get("id"), (String) m.get("setting"), number(m, "seed").longValue(),
                    number(m, "status").intValue(), (Boolean) m.get("solved"), number(m, "sequences").longValue(),
                    number(m, "seconds").doubleValue(), bits == null ? Double.NaN : ((Number) bits).doubleValue(),
                    (String) m.get("parameters_sha256"), (String) m.get("member"),
                    number(m, "resumed_from").longValue(), (String) m.get("error"),
                    // absent in results written before they were recorded, when a run stopped at its
                    // first solve: then a solved run's end is that solve
                    m.containsKey("first_solved_sequences")
                            ? (m.get("first_solved_sequences") instanceof Number f ? f.longValue() : -1)
                            : Boolean.TRUE.equals(m.get("solved")) ? number(m, "sequences").longValue() : -1,
                    m.containsKey("first_solved_sequences")
                            ? (m.get("first_solved_seconds") instanceof Number f ? f.doubleValue() : Double.NaN)
                            : Boolean.TRUE.equals(m.get("solved")) ? number(m, "seconds").doubleValue() : Double.NaN);
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException("not a sweep job result: " + e.getMessage());
        }
    }

    private static Number number(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalArgumentException("not a sweep job result: '" + key + "' is missing or not a number");
        }
        return n;
    }
}
