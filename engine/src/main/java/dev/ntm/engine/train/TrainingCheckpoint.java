package dev.ntm.engine.train;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.ntm.engine.io.Checkpoint;
import dev.ntm.engine.task.Curriculum;
import dev.ntm.engine.task.Task;
import dev.ntm.kernels.Buffers;
import dev.ntm.kernels.Kernels;

/**
 * Training checkpoints (docs/SPEC.md section 6): a model checkpoint plus the optimiser moments and,
 * as metadata, everything that decides the rest of a run -- the options that must not change on
 * resume, the generator state, the curriculum level and every counter of {@link RunState}
 * (evaluation count, window statistics, curve rows, best evaluation). Resuming from one continues
 * the run bit for bit.
 */
final class TrainingCheckpoint {

    static final String META_KIND = "kind";
    static final String META_TASK = "task";
    static final String META_TASK_DESCRIPTION = "task.description";
    static final String META_SEQUENCES = "train.sequences";
    static final String META_BATCHES = "train.batches";
    static final String META_SKIPPED = "train.skipped_batches";
    static final String META_EVALUATIONS = "train.evaluations";
    static final String META_WINDOW_LOSS = "train.window_loss_nats";
    static final String META_WINDOW_ERRORS = "train.window_bit_errors";
    static final String META_WINDOW_SEQUENCES = "train.window_sequences";
    static final String META_CURVE_ROWS = "train.curve_rows";
    static final String META_BEST = "train.best_bit_errors";
    static final String META_ELAPSED = "train.elapsed_s";
    /**
     * Absent in checkpoints from before it was recorded: a resumed run then records its first
     * solve from the resume on (an earlier one is not known).
     */
    static final String META_FIRST_SOLVED = "train.first_solved_sequences";
    static final String META_FIRST_SOLVED_SECONDS = "train.first_solved_s";
    static final String META_RNG = "train.rng_state";
    static final String META_SEED = "train.seed";
    static final String META_BATCH = "train.batch";
    static final String META_CHUNKS = "train.chunks";
    static final String META_EVAL_EVERY = "train.eval_every";
    static final String META_EVAL_SIZE = "train.eval_size";
    static final String META_OPTIMIZER = "optim.kind";
    static final String META_LR = "optim.lr";
    static final String META_LR_SCHEDULE = "optim.lr_schedule";
    static final String META_OPT_STEPS = "optim.steps";
    static final String META_CLIP = "optim.clip";
    static final String META_CURRICULUM = "train.curriculum";
    static final String META_CURRICULUM_LEVEL = "train.curriculum_level";

    private TrainingCheckpoint() {
    }

    private static String curriculumKey(Curriculum c) {
        return c.start() + ":" + c.step() + ":" + c.threshold();
    }

    /** Writes {@code t}'s training checkpoint to {@code file}, atomically. */
    static void save(Path file, Trainer t, double elapsedSeconds) throws IOException {
        TrainerOptions options = t.options();
        RunState s = t.state;
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_KIND, "training");
        meta.put(META_TASK, t.task().name());
        meta.put(META_TASK_DESCRIPTION, t.task().describe());
        meta.put(META_SEQUENCES, Long.toString(s.sequences));
        meta.put(META_BATCHES, Long.toString(s.batches));
        meta.put(META_SKIPPED, Long.toString(s.skippedBatches));
        meta.put(META_EVALUATIONS, Long.toString(s.evaluations));
        // Double.toString round-trips exactly: the resumed window is the same bits
        meta.put(META_WINDOW_LOSS, Double.toString(s.windowLoss));
        meta.put(META_WINDOW_ERRORS, Long.toString(s.windowErrors));
        meta.put(META_WINDOW_SEQUENCES, Long.toString(s.windowSequences));
        meta.put(META_CURVE_ROWS, Long.toString(s.curveRows));
        meta.put(META_BEST, Double.toString(s.bestBitErrors));
        meta.put(META_ELAPSED, Double.toString(elapsedSeconds));
        meta.put(META_FIRST_SOLVED, Long.toString(s.firstSolvedSequences));
        meta.put(META_FIRST_SOLVED_SECONDS, Double.toString(s.firstSolvedSeconds));
        meta.put(META_RNG, Long.toString(t.dataGenerator().state()));
        meta.put(META_SEED, Long.toString(options.seed()));
        meta.put(META_BATCH, Integer.toString(options.batch()));
        meta.put(META_CHUNKS, Integer.toString(options.effectiveChunks()));
        meta.put(META_EVAL_EVERY, Long.toString(options.evalEvery()));
        meta.put(META_EVAL_SIZE, Integer.toString(options.evalSize()));
        meta.put(META_OPTIMIZER, t.optimizer().kind().id());
        meta.put(META_LR, Float.toString(options.learningRate()));
        meta.put(META_LR_SCHEDULE, options.lrSchedule().toString());
        meta.put(META_OPT_STEPS, Long.toString(t.optimizer().steps()));
        meta.put(META_CLIP, options.clipping().toString());
        Curriculum curriculum = t.curriculum();
        if (curriculum != null) {
            meta.put(META_CURRICULUM, curriculumKey(curriculum));
            meta.put(META_CURRICULUM_LEVEL, Integer.toString(curriculum.level()));
        }
        Map<String, MemorySegment> moments = new LinkedHashMap<>();
        for (String name : t.optimizer().momentNames()) {
            moments.put(name, t.optimizer().moment(name));
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Checkpoint.save(file, t.config(), t.parameters(), meta, moments);
    }

    /** See {@link Trainer#resume(Path, Task, Curriculum, TrainerOptions, Kernels)}. */
    static Trainer resume(Path file, Task task, Curriculum curriculum, TrainerOptions options, Kernels kernels)
            throws IOException {
        Checkpoint.Loaded ck = Checkpoint.load(file);
        Map<String, String> meta = ck.meta();
        if (!"training".equals(meta.get(META_KIND))) {
            throw new IllegalArgumentException(file + " is a model checkpoint, not a training checkpoint: it has no "
                    + "optimiser state to resume from");
        }
        requireSame(file, "task", meta.get(META_TASK), task.name());
        requireSame(file, "task options", meta.get(META_TASK_DESCRIPTION), task.describe());
        requireSame(file, "batch", meta.get(META_BATCH), Integer.toString(options.batch()));
        requireSame(file, "chunks", meta.get(META_CHUNKS), Integer.toString(options.effectiveChunks()));
        requireSame(file, "seed", meta.get(META_SEED), Long.toString(options.seed()));
        requireSame(file, "optimizer", meta.get(META_OPTIMIZER), options.optimizer().id());
        requireSame(file, "learning rate", meta.get(META_LR), Float.toString(options.learningRate()));
        requireSame(file, "clipping", meta.get(META_CLIP), options.clipping().toString());
        requireSame(file, "learning-rate decay", meta.getOrDefault(META_LR_SCHEDULE, "none"),
                options.lrSchedule().toString());
        requireSame(file, "curriculum", meta.getOrDefault(META_CURRICULUM, "none"),
                curriculum == null ? "none" : curriculumKey(curriculum));
        // the evaluation schedule decides the curriculum's advances and the window statistics
        requireSame(file, "evaluation interval (--eval-every)", meta.get(META_EVAL_EVERY),
                Long.toString(options.evalEvery()));
        requireSame(file, "evaluation size (--eval-size)", meta.get(META_EVAL_SIZE),
                Integer.toString(options.evalSize()));
        TrainingBudget.require(ck.config(), task, options);
        Trainer t = new Trainer(ck.config(), task, options, kernels, ck.params());
        try {
            if (curriculum != null) {
                curriculum.restore((int) parseLong(meta, META_CURRICULUM_LEVEL, file));
                t.setCurriculum(curriculum);
            }
            RunState s = t.state;
            s.sequences = parseLong(meta, META_SEQUENCES, file);
            s.batches = parseLong(meta, META_BATCHES, file);
            s.skippedBatches = parseLong(meta, META_SKIPPED, file);
            s.evaluations = parseLong(meta, META_EVALUATIONS, file);
            s.windowLoss = parseDouble(meta, META_WINDOW_LOSS, file);
            s.windowErrors = parseLong(meta, META_WINDOW_ERRORS, file);
            s.windowSequences = parseLong(meta, META_WINDOW_SEQUENCES, file);
            s.curveRows = parseLong(meta, META_CURVE_ROWS, file);
            s.bestBitErrors = parseDouble(meta, META_BEST, file);
            s.elapsedBefore = parseDouble(meta, META_ELAPSED, file);
            if (meta.containsKey(META_FIRST_SOLVED)) {
                s.firstSolvedSequences = parseLong(meta, META_FIRST_SOLVED, file);
                s.firstSolvedSeconds = parseDouble(meta, META_FIRST_SOLVED_SECONDS, file);
            }
            t.dataGenerator().setState(parseLong(meta, META_RNG, file));
            t.optimizer().setSteps(parseLong(meta, META_OPT_STEPS, file));
            int size = Math.toIntExact(ck.layout().size());
            for (String name : t.optimizer().momentNames()) {
                float[] m = ck.moments().get(name);
                if (m == null || m.length != size) {
                    throw new IllegalArgumentException(file + ": optimiser moment '" + name + "' is missing or has the "
                            + "wrong size");
                }
                Buffers.copy(m, 0, t.optimizer().moment(name), 0, size);
            }
            Path parent = file.toAbsolutePath().getParent();
            t.curveSource = parent == null ? null : parent.resolve(LearningCurve.FILE);
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private static void requireSame(Path file, String what, String saved, String now) {
        if (!now.equals(saved)) {
            throw new IllegalArgumentException("cannot resume from " + file + ": it was trained with " + what + " "
                    + saved + " but this run asks for " + now + " (resuming must use the same " + what + ")");
        }
    }

    private static String required(Map<String, String> meta, String key, Path file) {
        String v = meta.get(key);
        if (v == null) {
            throw new IllegalArgumentException(file + ": training checkpoint lacks metadata '" + key + "' (written by "
                    + "an older version, which cannot be resumed exactly)");
        }
        return v;
    }

    private static long parseLong(Map<String, String> meta, String key, Path file) {
        String v = required(meta, key, file);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": metadata '" + key + "' is not an integer: '" + v + "'");
        }
    }

    private static double parseDouble(Map<String, String> meta, String key, Path file) {
        String v = required(meta, key, file);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": metadata '" + key + "' is not a number: '" + v + "'");
        }
    }
}
