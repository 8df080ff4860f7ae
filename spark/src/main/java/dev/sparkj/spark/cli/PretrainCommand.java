package dev.sparkj.spark.cli;

import dev.sparkj.nn.models.Models;
import dev.sparkj.spark.ckpt.SparkCheckpoint;
import dev.sparkj.spark.data.ImageDataset;
import dev.sparkj.spark.data.Normalization;
import dev.sparkj.spark.train.PretrainConfig;
import dev.sparkj.spark.train.PretrainData;
import dev.sparkj.spark.train.Pretrainer;
import dev.sparkj.spark.train.TrainingDivergedException;
import dev.sparkj.tensor.io.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code sparkj pretrain}: SparK pre-training on an image folder or IDX file, with resume and weight initialisation. */
final class PretrainCommand {
    private PretrainCommand() {}

    static final String USAGE = """
            usage: sparkj pretrain --data DIR|IDX[.gz] [options]
              --data DIR|FILE       image folder (flat or class sub-folders) or IDX image file; 'quickstart' = bundled sample
              --model NAME          resnet18/26/34/50/101/152/200, convnext_tiny/small/base/large (default resnet50)
              --arch JSON           a custom architecture, e.g. '{"family":"resnet","block":"basicblock","layers":[1,1,1,1],"channels":[16,16,32,64,128]}'
              --input-size N|HxW    input size, a multiple of 32 (default 224)
              --batch N             batch size (default 32)
              --epochs N            epochs (default 1600)
              --warmup-epochs N     linear lr warm-up (default 40)
              --base-lr X           base lr; peak = base x batch / 256 (default 2e-4)
              --wd X / --wde X      weight decay at the start / end (default 0.04 / 0.2)
              --mask-ratio X        fraction of patches hidden (default 0.6)
              --decoder-width N     light decoder width, a multiple of 32 (default 768)
              --densify-norm bn|ln|identity   (default: bn for ResNet, ln for ConvNeXt)
              --drop-path X         encoder stochastic depth (default: 0.05 resnet50, 0.2 convnext_small, ...)
              --beta2 X             LAMB beta2 (default 0.95 ResNet, 0.999 ConvNeXt)
              --clip X              LAMB gradient-norm clip (default 5)
              --norm imagenet|fashion-mnist|measure   input normalisation (default: imagenet; measured for IDX files)
              --seed N              seed of initialisation, masks, drop path and data order (default 0)
              --workers N           data-loading threads (default: cores - 1)
              --out DIR             output folder (default runs/MODEL)
              --max-iters N         stop after N iterations in all (smoke runs; the schedule still spans all epochs)
              --save-every N        also keep ckpt-epochN.safetensors every N epochs
              --vis-count N         images in reconstruction.png (default 8)
              --resume              continue the run in --out from its ckpt-last.safetensors
              --resume-from FILE    continue from this checkpoint
              --init-weights FILE   start from these weights (sparkj or reference spark-style checkpoint, or timm-style encoder)
              --overwrite           start a new run even if --out already holds a checkpoint
            """;

    static final Set<String> VALUED = Set.of("--data", "--model", "--arch", "--input-size", "--batch", "--epochs", "--warmup-epochs",
            "--base-lr", "--wd", "--wde", "--mask-ratio", "--decoder-width", "--densify-norm", "--drop-path", "--beta2", "--clip",
            "--norm", "--seed", "--workers", "--out", "--max-iters", "--save-every", "--vis-count", "--resume-from", "--init-weights");
    static final Set<String> SWITCHES = Set.of("--resume", "--overwrite");
    /** What may change when resuming: the run's length, its bookkeeping and where the data lives. */
    static final Set<String> RESUMABLE = Set.of("--resume", "--resume-from", "--out", "--epochs", "--max-iters", "--workers",
            "--save-every", "--vis-count", "--data");

    static int run(String[] argv) throws Exception {
        if (Flags.helpWanted(argv)) { System.out.print(USAGE); return 0; }
        Flags a = new Flags("pretrain", argv, VALUED, SWITCHES, Set.of());
        if (a.has("--resume") || a.has("--resume-from")) return resume(a);
        if (!a.has("--data")) throw new IllegalArgumentException("--data is required (an image folder or IDX file; see sparkj pretrain --help)");
        String data = a.required("--data");
        ImageDataset ds = PretrainData.open(data);
        String model = a.str("--model", a.has("--arch") ? "custom" : "resnet50");
        if (!a.has("--arch") && !Models.NAMES.contains(model))
            throw new IllegalArgumentException("--model " + model + " is unknown; known: " + String.join(", ", Models.NAMES) + " (or give --arch JSON)");
        PretrainConfig.Builder b = PretrainConfig.builder(model).data(data).batch(32).out("runs/" + model);
        applyModelFlags(a, b);
        applyRunFlags(a, b);
        b.normalization(normalization(a.str("--norm", null), data, ds));
        PretrainConfig cfg = b.build();
        return train(cfg, ds, a.has("--init-weights") ? Path.of(a.str("--init-weights", null)) : null, null, null, a.has("--overwrite"));
    }

    private static int resume(Flags a) throws Exception {
        for (String f : a.given())
            if (!RESUMABLE.contains(f))
                throw new IllegalArgumentException(f + " cannot be set when resuming: the checkpoint fixes it (allowed: --epochs, --max-iters, --workers, --save-every, --vis-count, --data, --out)");
        if (a.has("--resume") && a.has("--resume-from")) throw new IllegalArgumentException("give either --resume or --resume-from FILE, not both");
        Path file;
        if (a.has("--resume-from")) file = Path.of(a.str("--resume-from", null));
        else if (a.has("--out")) file = Path.of(a.str("--out", null)).resolve(Pretrainer.LAST);
        else throw new IllegalArgumentException("--resume needs --out DIR (the run folder holding " + Pretrainer.LAST + "), or use --resume-from FILE");
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("nothing to resume: " + file + " not found");
        SparkCheckpoint ck = SparkCheckpoint.read(file);
        PretrainConfig.Builder b = ck.config().toBuilder();
        if (a.has("--data")) b.data(a.str("--data", null));
        applyRunFlags(a, b);
        PretrainConfig cfg = b.build();
        return train(cfg, PretrainData.open(cfg.data()), null, ck, file, true);
    }

    /** Runs a configured pre-training; shared with {@code quickstart}. Returns the exit code. */
    static int train(PretrainConfig cfg, ImageDataset ds, Path init, SparkCheckpoint ck, Path ckFile, boolean overwrite) throws IOException {
        Path last = Path.of(cfg.out()).resolve(Pretrainer.LAST);
        if (ck == null && !overwrite && Files.exists(last))
            throw new IllegalArgumentException(cfg.out() + " already holds a run (" + last + "); continue it with --resume --out "
                    + cfg.out() + ", or pass --overwrite or another --out to start a new one");
        try (Pretrainer p = new Pretrainer(cfg, ds)) {
            if (ck != null) p.resume(ck, ckFile);
            if (init != null) System.err.println(p.initWeights(init));
            Pretrainer.Result r = p.run();
            if (!r.finished() && r.lastCheckpoint() != null)
                System.err.println("continue with: bin/sparkj pretrain --resume --out " + cfg.out());
            return 0;
        } catch (TrainingDivergedException e) {
            System.err.println();
            System.err.println("sparkj: " + e.getMessage());
            return 1;
        }
    }

    /** Model-defining flags (not allowed on resume). */
    static void applyModelFlags(Flags a, PretrainConfig.Builder b) {
        if (a.has("--arch")) b.arch(arch(a.str("--arch", null)));
        int[] size = a.size("--input-size", 224);
        b.inputSize(size[0], size[1]);
        b.batch(a.integer("--batch", 32, 1));
        b.warmupEpochs(a.number("--warmup-epochs", 40, 0, Double.POSITIVE_INFINITY, false, false));
        b.baseLr(a.number("--base-lr", 2e-4, 0, Double.POSITIVE_INFINITY, true, false));
        b.wd(a.number("--wd", 0.04, 0, Double.POSITIVE_INFINITY, false, false));
        b.wde(a.number("--wde", 0.2, 0, Double.POSITIVE_INFINITY, false, false));
        b.maskRatio(a.number("--mask-ratio", 0.6, 0, 1, true, true));
        int width = a.integer("--decoder-width", 768, 32);
        if (width % 32 != 0) throw new IllegalArgumentException("--decoder-width must be a multiple of 32 (the decoder halves it 5 times), got " + width);
        b.decoderWidth(width);
        if (a.has("--densify-norm")) {
            String dn = a.str("--densify-norm", null);
            if (!Set.of("bn", "ln", "identity").contains(dn)) throw new IllegalArgumentException("--densify-norm must be bn, ln or identity, got '" + dn + "'");
            b.densifyNorm(dn);
        }
        if (a.has("--drop-path")) b.dropPath(a.number("--drop-path", 0, 0, 1, false, true));
        if (a.has("--beta2")) b.beta2(a.number("--beta2", 0.95, 0, 1, true, true));
        b.clip(a.number("--clip", 5.0, 0, Double.POSITIVE_INFINITY, true, false));
        b.seed(a.lng("--seed", 0, Long.MIN_VALUE));
    }

    /** Flags that may also change on resume. */
    static void applyRunFlags(Flags a, PretrainConfig.Builder b) {
        if (a.has("--epochs")) b.epochs(a.integer("--epochs", 1, 1));
        if (a.has("--max-iters")) b.maxIters(a.lng("--max-iters", 0, 0));
        if (a.has("--workers")) b.workers(a.integer("--workers", 1, 0));
        if (a.has("--save-every")) b.saveEvery(a.integer("--save-every", 0, 0));
        if (a.has("--vis-count")) b.visCount(a.integer("--vis-count", 8, 1));
        if (a.has("--out")) b.out(a.str("--out", null));
    }

    static Normalization normalization(String flag, String source, ImageDataset ds) {
        if (flag == null) return PretrainData.defaultNormalization(source, ds);
        return switch (flag) {
            case "imagenet" -> Normalization.IMAGENET;
            case "fashion-mnist" -> Normalization.FASHION_MNIST;
            case "measure" -> Normalization.measure(ds, 1000);
            default -> throw new IllegalArgumentException("--norm must be imagenet, fashion-mnist or measure, got '" + flag + "'");
        };
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> arch(String json) {
        Object o;
        try {
            o = Json.parse(json);
        } catch (Json.ParseException e) {
            throw new IllegalArgumentException("--arch is not valid JSON (" + e.getMessage() + "): " + json);
        }
        if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException("--arch must be a JSON object, got " + json);
        return new LinkedHashMap<>((Map<String, Object>) m);
    }
}
