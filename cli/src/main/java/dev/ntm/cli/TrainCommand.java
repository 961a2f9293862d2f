package dev.ntm.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.ntm.engine.NtmConfig;
import dev.ntm.engine.io.IoErrors;
import dev.ntm.engine.task.Curriculum;
import dev.ntm.engine.task.Task;
import dev.ntm.engine.task.VariableLengthTask;
import dev.ntm.engine.train.GradientClipping;
import dev.ntm.engine.train.LearningRateSchedule;
import dev.ntm.engine.train.Optimizer;
import dev.ntm.engine.train.Trainer;
import dev.ntm.engine.train.TrainerOptions;
import dev.ntm.kernels.KernelProvider;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ntm train}: trains a task (copy by default) until solved and saves a checkpoint. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = {"Train an NTM on a task until it is solved (or --max-sequences), saving a checkpoint.",
                "The model, the tasks, \"solved\" and the checkpoint format: docs/SPEC.md (sections 1-6)."},
        exitCodeListHeading = "Exit status:%n",
        exitCodeList = {"0:finished (solved or --max-sequences)", "2:bad option or value",
                "3:an input file is missing or unreadable", "4:stopped on non-finite values, or the final "
                + "checkpoint could not be written (the last good one is named)",
                "130:stopped by Ctrl-C (SIGINT) after writing a checkpoint",
                "143:stopped by SIGTERM after writing a checkpoint"})
final class TrainCommand implements Callable<Integer> {

    @Mixin
    TaskOptions taskOptions;

    @Spec
    CommandSpec spec;

    @Option(names = "--batch", paramLabel = "N", description = "Sequences per batch (default: the task's recipe, see --optimizer; 1 "
            + "when --optimizer names the other optimiser).")
    Integer batchOption;

    @Option(names = "--threads", description = "Worker threads for gradient chunks and evaluation; results do not "
            + "depend on it (default: the number of cores).")
    Integer threadsOption;

    @Option(names = "--chunks", description = "Gradient chunks per batch, fixing the summation order; each chunk's sequences step together through wide matrix products (default: ${DEFAULT-VALUE}).",
            defaultValue = "2")
    int chunks;

    @Option(names = "--seed", description = "Seed of the model and the data (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    long seed;

    @Option(names = "--optimizer", description = "adam or rmsprop (default: the task's recipe, measured in "
            + "PERFORMANCE.md sections 12 and 13: copy rmsprop, batch 1, lr 8e-4, learned memory (--memory-init), at least "
            + "12,000 sequences (--min-sequences); repeat-copy rmsprop, batch 1, lr 3e-4; "
            + "associative-recall adam, batch 8, lr 1e-3 halved every 150,000 sequences, curriculum 3:1:0.5; "
            + "dynamic-ngrams rmsprop, batch 1, lr 3e-4 halved every 20,000, for 60,000 sequences; priority-sort "
            + "rmsprop, batch 1, lr 3e-4 halved every 100,000). Options given win; naming the "
            + "optimiser the recipe does not use drops the rest of the recipe (rmsprop: batch 1, lr 3e-4, clip "
            + "value:10; adam: batch 1, lr 1e-3, clip norm:50; no decay, no curriculum).")
    String optimizer;

    @Option(names = "--lr", description = "Learning rate (default: the task's recipe, see --optimizer; the papers' "
            + "RMSProp rate 1e-4 of docs/SPEC.md section 4 also trains, more slowly).")
    Float learningRate;

    @Option(names = "--lr-decay", description = "Step decay of the learning rate: FACTOR:EVERY multiplies it by FACTOR "
            + "every EVERY sequences, e.g. 0.5:200000, or none (default: the task's recipe, see --optimizer).")
    String lrDecay;

    @Option(names = "--lr-warmup", paramLabel = "SEQUENCES", description = "Raise the learning rate linearly from "
            + "near 0 to its scheduled value over the first SEQUENCES training sequences (default: none).")
    Long lrWarmup;

    @Option(names = "--clip", description = "Gradient clipping: norm:<max>, value:<c> or none "
            + "(default: value:10 for rmsprop, norm:50 for adam); with a curriculum, CLIP@LEVEL:CLIP switches to "
            + "the second clipping from that level on, e.g. norm:5@6:norm:50.")
    String clip;

    @Option(names = {"--max-sequences", "--steps"}, paramLabel = "N", description = "Stop after this many training sequences (default: "
            + "the task's recipe: 60,000 on dynamic-ngrams, 1,000,000 on the others).")
    Long maxSequencesOption;

    @Option(names = "--eval-every", description = "Evaluate every this many sequences (default: ${DEFAULT-VALUE}).",
            defaultValue = "1000")
    long evalEvery;

    @Option(names = "--eval-size", description = "Fresh sequences per evaluation (default: ${DEFAULT-VALUE}).",
            defaultValue = "1000")
    int evalSize;

    @Option(names = "--no-early-stop", description = "Keep training after the task is solved.")
    boolean noEarlyStop;

    @Option(names = "--min-sequences", paramLabel = "N", description = "Train at least N sequences even when an "
            + "earlier evaluation finds the task solved (a model trained past its first solve generalises further; "
            + "the first solve is still reported); default: the task's recipe (copy 12,000, the others 0: stop at the "
            + "first solve; 0 too when --optimizer names the optimiser the recipe does not use).")
    Long minSequencesOption;

    @Option(names = "--on-nonfinite", description = "stop or skip a batch with NaN/Inf loss or gradients (default: ${DEFAULT-VALUE}).",
            defaultValue = "stop")
    String onNonFinite;

    @Option(names = "--out", description = "Output folder for the checkpoint, curve.csv and run.json (default: the "
            + "folder of the --resume checkpoint, else runs/<task>-<optimizer>-b<batch>-seed<seed>).")
    Path out;

    @Option(names = "--overwrite", description = "Replace the run already in the output folder (without it, such a "
            + "folder is refused unless the run is resumed).")
    boolean overwrite;

    @Option(names = "--checkpoint-every", description = "Also write a checkpoint every this many sequences "
            + "(default: ${DEFAULT-VALUE}, not by sequences).", defaultValue = "0")
    long checkpointEvery;

    @Option(names = "--checkpoint-seconds", description = "Write a checkpoint every this many seconds of training, "
            + "0 for never (default: ${DEFAULT-VALUE}); one is also written after every evaluation that improves "
            + "and at the end.", defaultValue = "" + TrainerOptions.DEFAULT_CHECKPOINT_SECONDS)
    long checkpointSeconds;

    @Option(names = "--resume", description = "Continue a run from its training checkpoint.")
    Path resume;

    @Option(names = "--curriculum", arity = "0..1", fallbackValue = DEFAULT_CURRICULUM,
            description = "Widen the length range as the model solves it: START:STEP:THRESHOLD (largest length starts "
                    + "at START, grows by STEP whenever an evaluation has at most THRESHOLD bit errors per sequence; "
                    + "default when given alone: " + DEFAULT_CURRICULUM + "), or none; without it, the task's recipe "
                    + "decides (3:1:0.5 on associative-recall, none elsewhere).")
    String curriculum;

    static final String DEFAULT_CURRICULUM = "5:5:0.5";

    @Option(names = "--summary-json", description = "Also write the outcome as JSON to this file when the run "
            + "finishes (solved, sequences, seconds, last evaluation, SHA-256 of the parameters); ntm sweep reads it.")
    Path summaryJson;

    @Option(names = "--quiet", description = "No live progress line (it is drawn only on a terminal anyway); the "
            + "evaluation lines and the summary still print.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        Task task = taskOptions.task();
        TrainerOptions taskRecipe = TrainerOptions.defaultsFor(task);
        Optimizer.Kind kind = optimizer != null ? Optimizer.Kind.parse(optimizer) : taskRecipe.optimizer();
        boolean ownRecipe = kind == taskRecipe.optimizer();
        TrainerOptions recipe = ownRecipe ? taskRecipe : TrainerOptions.defaults(kind);
        int batch = batchOption != null ? batchOption : recipe.batch();
        long maxSequences = maxSequencesOption != null ? maxSequencesOption : taskRecipe.maxSequences();
        long minSequences = minSequencesOption != null ? minSequencesOption : recipe.minSequences();
        if (minSequences < 0) {
            throw new IllegalArgumentException("--min-sequences must be >= 0, got " + minSequences);
        }
        float lr = learningRate != null ? learningRate : recipe.learningRate();
        GradientClipping clipping = clip != null ? GradientClipping.parse(clip) : recipe.clipping();
        TrainerOptions.NonFinitePolicy policy = switch (onNonFinite.toLowerCase(Locale.ROOT)) {
            case "stop" -> TrainerOptions.NonFinitePolicy.STOP;
            case "skip" -> TrainerOptions.NonFinitePolicy.SKIP;
            default -> throw new IllegalArgumentException("--on-nonfinite must be stop or skip, got '" + onNonFinite + "'");
        };
        int threads = threadsOption != null ? threadsOption : Runtime.getRuntime().availableProcessors();
        Path dir = out != null ? out
                : resume != null ? resumeFolder(resume)
                : Path.of("runs", task.name() + "-" + kind.id() + "-b" + batch + "-seed" + seed);
        LearningRateSchedule schedule = lrDecay != null ? LearningRateSchedule.parse(lrDecay) : recipe.lrSchedule();
        if (lrWarmup != null) {
            if (lrWarmup < 0) {
                throw new IllegalArgumentException("--lr-warmup must be >= 0 sequences, got " + lrWarmup);
            }
            schedule = schedule.withWarmup(lrWarmup);
        }
        TrainerOptions options = new TrainerOptions(batch, threads, chunks, seed, kind, lr, clipping, maxSequences,
                evalEvery, evalSize, 0.01, !noEarlyStop, minSequences, policy, dir, checkpointEvery, checkpointSeconds, schedule);
        NtmConfig config = taskOptions.config(task);
        if (ownRecipe && taskOptions.memoryInit == null) {
            config = TrainerOptions.recipeConfig(task, config);
        }
        Curriculum plan = curriculum != null ? parseCurriculum(task, curriculum)
                : ownRecipe ? TrainerOptions.defaultCurriculum(task) : null;
        if (clipping.then() != null && plan == null) {
            throw new IllegalArgumentException("--clip " + clip + " switches at a curriculum level, but this run has no "
                    + "curriculum: add --curriculum START:STEP:THRESHOLD or give one clipping");
        }
        boolean continuing = resume != null && resumeFolder(resume).toAbsolutePath().normalize()
                .equals(dir.toAbsolutePath().normalize());
        try (Trainer trainer = resume != null
                ? Trainer.resume(resume, task, plan, options, KernelProvider.get())
                : new Trainer(config, task, options, KernelProvider.get());
             RunFolder folder = RunFolder.open(dir, continuing, overwrite);
             StopSignals signals = StopSignals.install(trainer::requestStop)) {
            if (resume == null) {
                trainer.setCurriculum(plan);
            }
            folder.record(RunRecord.of(spec.commandLine().getParseResult().originalArgs(), trainer, resume));
            System.out.printf(Locale.ROOT, "training %s (%s) on %s%n", task.name(), task.describe(), trainer.config());
            System.out.printf(Locale.ROOT, "%s, lr %s%s, batch %d, clip %s, %d thread(s), seed %d, kernels %s; output %s%n",
                    kind.id(), lr, schedule.isConstant() ? "" : " (decay " + schedule + ")", batch, clipping, threads,
                    seed, KernelProvider.get().name(), dir);
            if (plan != null) {
                System.out.println(plan);
            }
            if (resume != null) {
                System.out.printf(Locale.ROOT, "resumed from %s at %,d sequences%n", resume, trainer.sequences());
            }
            boolean live = !quiet && ProgressPrinter.isTerminal();
            ProgressPrinter progress = new ProgressPrinter(System.out, live, maxSequences);
            RunArtifacts artifacts = new RunArtifacts(dir, options.solvedBitErrors(), System.err);
            System.out.println(ProgressPrinter.legend());
            long resumedFrom = resume != null ? trainer.sequences() : -1;
            Trainer.Summary s = trainer.train(new ListenerPair(progress, artifacts));
            progress.finish();
            Trainer.Evaluation longest = TrainSummary.longest(trainer, s, evalSize);
            List<String> summary = TrainSummary.lines(trainer, s, evalSize, longest, dir);
            summary.forEach(System.out::println);
            artifacts.finish(trainer, summary);
            Path checkpoint = dir.resolve(Trainer.CHECKPOINT_FILE);
            if (s.checkpointFailure() != null) {
                System.err.println("ntm train: could not write the final checkpoint: "
                        + IoErrors.describe(s.checkpointFailure()) + "; " + (s.checkpointSequences() >= 0
                        ? checkpoint + " holds the run at " + String.format(Locale.ROOT, "%,d", s.checkpointSequences())
                        + " sequences" : "no checkpoint of this run was written"));
                return ExitCodes.FAILURE;
            }
            if (summaryJson != null && !s.stopped()) {
                SummaryJson.write(summaryJson, trainer, s, longest, resumedFrom);
            }
            if (s.stopped()) {
                System.out.println("resume with: ntm train --resume " + checkpoint + " (and the same options)");
                return signals.status() != 0 ? signals.status() : 130;
            }
            return ExitCodes.OK;
        } catch (Trainer.NonFiniteException e) {
            System.err.println();
            System.err.println("ntm train: stopped: " + e.getMessage());
            System.err.println("Lower the learning rate, clip harder (--clip), or use --on-nonfinite skip.");
            return ExitCodes.FAILURE;
        }
    }

    /** The folder of a checkpoint to resume from. */
    private static Path resumeFolder(Path checkpoint) {
        Path parent = checkpoint.toAbsolutePath().getParent();
        return parent != null ? parent : Path.of(".");
    }

    /** The curriculum {@code spec} asks for (START:STEP:THRESHOLD), or null for {@code none}. */
    static Curriculum parseCurriculum(Task task, String spec) {
        if (spec.trim().equalsIgnoreCase("none")) {
            return null;
        }
        if (!(task instanceof VariableLengthTask v)) {
            throw new IllegalArgumentException("--curriculum needs a task with a length (copy, repeat-copy, "
                    + "associative-recall), not " + task.name());
        }
        String[] p = spec.split(":");
        try {
            if (p.length != 3) {
                throw new NumberFormatException();
            }
            return new Curriculum(v, Integer.parseInt(p[0]), Integer.parseInt(p[1]), Double.parseDouble(p[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--curriculum must be START:STEP:THRESHOLD such as " + DEFAULT_CURRICULUM
                    + ", got '" + spec + "'");
        }
    }
}
