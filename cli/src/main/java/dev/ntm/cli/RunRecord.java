package dev.ntm.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ntm.engine.io.ConfigJson;
import dev.ntm.engine.io.Json;
import dev.ntm.engine.train.Trainer;
import dev.ntm.engine.train.TrainerOptions;
import dev.ntm.kernels.KernelProvider;

/** One entry of a run folder's run.json: the command as typed, the configuration and every option. */
final class RunRecord {

    private RunRecord() {
    }

    static Map<String, Object> of(List<String> args, Trainer trainer, Path resumedFrom) {
        Map<String, Object> e = new LinkedHashMap<>();
        List<Object> command = new ArrayList<>();
        command.add("ntm");
        command.add("train");
        command.addAll(args);
        e.put("command", command);
        e.put("started", Instant.now().toString());
        e.put("resumed_from", resumedFrom == null ? null : resumedFrom.toString());
        e.put("at_sequences", trainer.sequences());
        e.put("task", trainer.task().name());
        e.put("task_description", trainer.task().describe());
        e.put("config", Json.parse(ConfigJson.toJson(trainer.config())));
        TrainerOptions o = trainer.options();
        Map<String, Object> opts = new LinkedHashMap<>();
        opts.put("batch", o.batch());
        opts.put("threads", o.threads());
        opts.put("chunks", o.chunks());
        opts.put("seed", o.seed());
        opts.put("optimizer", o.optimizer().id());
        opts.put("learning_rate", o.learningRate());
        opts.put("lr_schedule", o.lrSchedule().toString());
        opts.put("clipping", o.clipping().toString());
        opts.put("max_sequences", o.maxSequences());
        opts.put("eval_every", o.evalEvery());
        opts.put("eval_size", o.evalSize());
        opts.put("solved_bit_errors", o.solvedBitErrors());
        opts.put("stop_when_solved", o.stopWhenSolved());
        opts.put("min_sequences", o.minSequences());
        opts.put("on_nonfinite", o.onNonFinite().name().toLowerCase(java.util.Locale.ROOT));
        opts.put("checkpoint_every", o.checkpointEvery());
        opts.put("checkpoint_seconds", o.checkpointSeconds());
        opts.put("curriculum", trainer.curriculum() == null ? null : trainer.curriculum().toString());
        e.put("options", opts);
        e.put("kernels", KernelProvider.get().name());
        e.put("java", Runtime.version().toString());
        return e;
    }
}
