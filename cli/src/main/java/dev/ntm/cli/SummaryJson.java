package dev.ntm.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.ntm.engine.io.Json;
import dev.ntm.engine.train.Trainer;

/**
 * {@code ntm train --summary-json FILE}: the run's outcome as JSON, for programs (ntm sweep
 * reads it): solved, sequences, seconds, the last evaluation, the check at the task's largest
 * length (both halves of "solved", docs/SPEC.md section 3), the sequence count it was resumed
 * from, and a SHA-256 of the final parameters that tells two runs' bits apart without comparing
 * checkpoints.
 */
final class SummaryJson {

    private SummaryJson() {
    }

    /** Writes the summary atomically (temporary file, then rename); {@code longest} may be null (no length range). */
    static void write(Path file, Trainer trainer, Trainer.Summary s, Trainer.Evaluation longest, long resumedFrom)
            throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", trainer.task().name());
        m.put("seed", trainer.options().seed());
        m.put("solved", s.solved());
        m.put("sequences", trainer.sequences());
        m.put("seconds", s.trainingSeconds());
        m.put("first_solved_sequences", s.firstSolvedSequences() < 0 ? null : s.firstSolvedSequences());
        m.put("first_solved_seconds", s.firstSolvedSequences() < 0 ? null : s.firstSolvedSeconds());
        Trainer.Evaluation e = s.lastEvaluation();
        m.put("bit_errors_per_sequence", e == null ? null : e.bitErrorsPerSequence());
        m.put("cost_bits", e == null ? null : e.costBits());
        m.put("eval_sequences", e == null ? null : e.sequences());
        m.put("longest_length", longest == null ? null : trainer.longestTask().maxLength());
        m.put("longest_bit_errors_per_sequence", longest == null ? null : longest.bitErrorsPerSequence());
        m.put("longest_eval_sequences", longest == null ? null : longest.sequences());
        m.put("resumed_from", resumedFrom);
        m.put("parameters_sha256", parametersSha256(trainer.parameterArray()));
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        Files.writeString(tmp, Json.writePretty(m) + System.lineSeparator());
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** SHA-256 of the parameters' float bits, little-endian. */
    static String parametersSha256(float[] params) {
        ByteBuffer b = ByteBuffer.allocate(params.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(params);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
