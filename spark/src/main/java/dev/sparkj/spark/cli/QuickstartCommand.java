package dev.sparkj.spark.cli;

import dev.sparkj.spark.ckpt.SparkCheckpoint;
import dev.sparkj.spark.data.Normalization;
import dev.sparkj.spark.train.PretrainConfig;
import dev.sparkj.spark.train.PretrainData;
import dev.sparkj.spark.train.Pretrainer;
import dev.sparkj.spark.train.TrainLog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code sparkj quickstart}: pre-trains a slim ResNet with SparK on the bundled Fashion-MNIST sample
 * (4000 images, upscaled to 64 px: a 2x2 patch grid) for a few minutes, writing the loss curve,
 * reconstructions, the log and a checkpoint to {@code runs/quickstart}.
 */
final class QuickstartCommand {
    private QuickstartCommand() {}

    /** The slim ResNet: BasicBlocks, one per stage, channels 16-128 (about 1 M parameters with its decoder). */
    static final Map<String, Object> ARCH = Map.of("family", "resnet", "block", "basicblock",
            "layers", List.of(1, 1, 1, 1), "channels", List.of(16, 16, 32, 64, 128));

    static final String USAGE = """
            usage: sparkj quickstart [options]
            Pre-trains a slim ResNet with SparK on the bundled Fashion-MNIST sample (offline, a few minutes on 2 cores)
            and writes OUT/{loss.png, reconstruction.png, log.jsonl, ckpt-last.safetensors, encoder.safetensors}.
              --epochs N       epochs (default 2)
              --batch N        batch size (default 32)
              --input-size N   input size, a multiple of 32 (default 64: a 2x2 patch grid)
              --base-lr X      base lr; peak = base x batch / 256 (default 0.02)
              --workers N      data-loading threads (default: cores - 1)
              --seed N         seed (default 0)
              --max-iters N    stop after N iterations in all
              --out DIR        output folder (default runs/quickstart); an earlier run there is replaced
              --resume         continue the run in --out instead of starting over
            """;

    static int run(String[] argv) throws Exception {
        if (Flags.helpWanted(argv)) { System.out.print(USAGE); return 0; }
        Flags a = new Flags("quickstart", argv, Set.of("--epochs", "--batch", "--input-size", "--base-lr", "--workers", "--seed",
                "--max-iters", "--out"), Set.of("--resume"), Set.of());
        String out = a.str("--out", "runs/quickstart");
        SparkCheckpoint ck = null;
        Path ckFile = Path.of(out).resolve(Pretrainer.LAST);
        PretrainConfig.Builder b;
        if (a.has("--resume")) {
            for (String f : a.given())
                if (!Set.of("--resume", "--out", "--epochs", "--max-iters", "--workers").contains(f))
                    throw new IllegalArgumentException(f + " cannot be set when resuming: the checkpoint fixes it");
            if (!Files.isRegularFile(ckFile)) throw new IllegalArgumentException("nothing to resume: " + ckFile + " not found");
            ck = SparkCheckpoint.read(ckFile);
            b = ck.config().toBuilder();
        } else {
            int[] size = a.size("--input-size", 64);
            b = PretrainConfig.builder("quickstart-resnet").arch(ARCH).data(PretrainConfig.QUICKSTART_DATA)
                    .normalization(Normalization.FASHION_MNIST).inputSize(size[0], size[1]).batch(a.integer("--batch", 32, 1))
                    .epochs(2).warmupEpochs(1).baseLr(a.number("--base-lr", 0.02, 0, Double.POSITIVE_INFINITY, true, false))
                    .decoderWidth(128).dropPath(0).seed(a.lng("--seed", 0, Long.MIN_VALUE)).visCount(8);
        }
        b.out(out);
        if (a.has("--epochs")) b.epochs(a.integer("--epochs", 2, 1));
        if (a.has("--workers")) b.workers(a.integer("--workers", 1, 0));
        if (a.has("--max-iters")) b.maxIters(a.lng("--max-iters", 0, 0));
        PretrainConfig cfg = b.build();
        long t0 = System.nanoTime();
        int rc = PretrainCommand.train(cfg, PretrainData.open(cfg.data()), null, ck, ck == null ? null : ckFile, true);
        if (rc != 0) return rc;
        double secs = (System.nanoTime() - t0) * 1e-9;
        Path dir = Path.of(out);
        List<TrainLog.Entry> log = TrainLog.read(dir.resolve(Pretrainer.LOG));
        if (!log.isEmpty()) {
            double first = mean(log.subList(0, Math.min(10, log.size()))), last = mean(log.subList(Math.max(0, log.size() - 10), log.size()));
            System.out.printf(Locale.ROOT, "quickstart: %d iterations in %.0f s; loss %.3f (first 10) -> %.3f (last 10)%n", log.size(), secs, first, last);
        }
        System.out.println("loss curve:      " + dir.resolve(Pretrainer.LOSS_PNG));
        System.out.println("reconstructions: " + dir.resolve(Pretrainer.RECON_PNG));
        System.out.println("checkpoint:      " + dir.resolve(Pretrainer.LAST) + "  (encoder for fine-tuning: " + dir.resolve("encoder.safetensors") + ")");
        return 0;
    }

    private static double mean(List<TrainLog.Entry> es) {
        double s = 0;
        for (TrainLog.Entry e : es) s += e.loss();
        return s / es.size();
    }
}
