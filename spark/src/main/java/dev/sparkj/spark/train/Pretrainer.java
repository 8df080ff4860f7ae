package dev.sparkj.spark.train;

import dev.sparkj.nn.optim.Lamb;
import dev.sparkj.nn.optim.LrWdSchedule;
import dev.sparkj.nn.optim.ParamGroup;
import dev.sparkj.nn.optim.ParamGroups;
import dev.sparkj.nn.optim.ParamRef;
import dev.sparkj.spark.ckpt.Checkpoints;
import dev.sparkj.spark.ckpt.EncoderExport;
import dev.sparkj.spark.ckpt.RngStates;
import dev.sparkj.spark.ckpt.SparkCheckpoint;
import dev.sparkj.spark.ckpt.TrainPosition;
import dev.sparkj.spark.data.Batch;
import dev.sparkj.spark.data.DataLoader;
import dev.sparkj.spark.data.ImageDataset;
import dev.sparkj.spark.data.Seeds;
import dev.sparkj.spark.model.SparK;
import dev.sparkj.spark.vis.LossCurve;
import dev.sparkj.tensor.Recycler;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs SparK pre-training (the reference's {@code main.py}): per iteration it sets lr and weight decay
 * from the schedule, draws a mask, computes the loss, checks that it is finite, back-propagates and
 * steps LAMB. Per epoch it writes {@code ckpt-last.safetensors} (and optionally {@code ckpt-epochN}),
 * the timm-style encoder ({@code encoder.safetensors}, {@code encoder.pth}), {@code loss.png} and
 * {@code reconstruction.png}; every iteration goes to {@code log.jsonl}. All files live in the config's
 * output folder.
 *
 * <p>Determinism: the model is initialised from {@code Rng(seed)}, masks come from a generator derived
 * from the seed, drop path from generators forked at construction, the data order from (seed, epoch).
 * A checkpoint stores all of their states, so {@link #resume} continues the identical run (the same
 * losses, bit for bit, on the same thread count) — also from a checkpoint written mid-epoch by
 * {@code maxIters}.
 *
 * <p>Lifecycle: the trainer owns the data loader's threads; close it (try-with-resources).
 */
public final class Pretrainer implements AutoCloseable {
    /** Checkpoint file names in the output folder. */
    public static final String LAST = "ckpt-last.safetensors", LOG = "log.jsonl", LOSS_PNG = "loss.png", RECON_PNG = "reconstruction.png";
    private static final long MASK_STREAM = -2, VIS_STREAM = -3;

    /** What a call to {@link #run()} did. */
    public record Result(List<TrainLog.Entry> iterations, TrainPosition position, Path lastCheckpoint, boolean finished) {}

    private final PretrainConfig cfg;
    private final ImageDataset data;
    private final SparK model;
    private final List<ParamGroup> groups;
    private final Lamb optimizer;
    private final Rng maskRng;
    private final DataLoader loader;
    private final Path out;
    private final int itersPerEpoch;
    private TrainPosition position;
    private Path lastCheckpoint;
    private String lastCheckpointWhen = "";
    private double lastLoss = Double.NaN;
    private PrintStream console = System.err;
    private boolean tty = ProgressLine.stderrIsTerminal();

    /** A fresh run on the data {@code cfg.data()} names. */
    public Pretrainer(PretrainConfig cfg) throws IOException {
        this(cfg, PretrainData.open(cfg.data()));
    }

    /** A fresh run on {@code data} (already opened; {@code cfg.data()} is then only a label). */
    public Pretrainer(PretrainConfig cfg, ImageDataset data) {
        this.cfg = cfg;
        this.data = data;
        this.model = SparkModels.build(cfg, new Rng(cfg.seed()));
        this.groups = ParamGroups.pretrain(ParamRef.of(model.namedParameters()), cfg.peakLr());
        this.optimizer = new Lamb(groups, new Lamb.Options(0.9, cfg.beta2(), 1e-6, true, true, cfg.clip(), false, false, true));
        this.maskRng = new Rng(Seeds.derive(cfg.seed(), MASK_STREAM, 0));
        this.loader = DataLoader.builder(data).batchSize(cfg.batch()).workers(cfg.workers()).seed(cfg.seed())
                .shuffle(true).dropLast(true).transform(PretrainData.train(cfg)).build();
        this.itersPerEpoch = loader.batchesPerEpoch();
        if (itersPerEpoch == 0)
            throw new IllegalArgumentException("the data has " + data.size() + " images, fewer than one batch of " + cfg.batch()
                    + "; use a smaller --batch");
        checkSchedule(cfg, itersPerEpoch);
        this.out = Path.of(cfg.out());
        this.position = new TrainPosition(0, 0, itersPerEpoch);
    }

    /** The reference's schedule divides by {@code max_it - 1} and by {@code max_it - 1 - wp_it}; refuse runs where those are 0 up front. */
    static void checkSchedule(PretrainConfig cfg, int itersPerEpoch) {
        long maxIt = (long) cfg.epochs() * itersPerEpoch;
        if (maxIt < 2)
            throw new IllegalArgumentException("the run has " + maxIt + " iteration (" + cfg.epochs() + " epoch x " + itersPerEpoch
                    + " batch), too short for the lr/wd schedule; use more epochs or a smaller --batch");
        long wp = LrWdSchedule.pythonRound(cfg.warmupEpochs() * itersPerEpoch);
        if (wp == maxIt - 1)
            throw new IllegalArgumentException("--warmup-epochs " + cfg.warmupEpochs() + " gives " + wp + " warm-up iterations of " + maxIt
                    + ", leaving a cosine phase of a single iteration (a division by zero in the schedule); use fewer or more warm-up epochs");
    }

    /** Where progress lines and messages go (default stderr), and whether to rewrite the line in place. */
    public Pretrainer console(PrintStream console, boolean tty) {
        this.console = console;
        this.tty = tty;
        return this;
    }

    public SparK model() { return model; }

    public PretrainConfig config() { return cfg; }

    public TrainPosition position() { return position; }

    public int itersPerEpoch() { return itersPerEpoch; }

    /** Loads weights only (no optimizer state, no position) before training: {@code --init-weights}. */
    public String initWeights(Path file) throws IOException {
        if (position.globalIteration() > 0) throw new IllegalStateException("--init-weights applies to a fresh run, not a resumed one");
        return Checkpoints.initWeights(model, file);
    }

    /** Resumes from a checkpoint file written by this class. */
    public Pretrainer resume(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("checkpoint to resume from not found: " + file);
        return resume(SparkCheckpoint.read(file), file);
    }

    /**
     * Restores model, optimizer, position and generator states from {@code ck} (read from {@code file}).
     * The checkpoint's config must describe the same model, optimizer and data as this trainer's; only the
     * run length and bookkeeping ({@code epochs}, {@code max_iters}, {@code workers}, {@code out}, {@code save_every},
     * {@code vis_count}) and the data's location ({@code data}; the batches per epoch must stay the same) may differ.
     */
    public Pretrainer resume(SparkCheckpoint ck, Path file) {
        Map<String, Object> a = essentials(ck.config()), b = essentials(cfg);
        List<String> diff = new ArrayList<>();
        for (String k : a.keySet()) if (!java.util.Objects.equals(a.get(k), b.get(k))) diff.add(k + " (checkpoint " + a.get(k) + ", now " + b.get(k) + ")");
        if (!diff.isEmpty())
            throw new IllegalArgumentException(file + " was written by a run with other settings: " + String.join(", ", diff)
                    + "; resume it with its own settings, or start a new run from its weights with --init-weights");
        if (ck.position().itersPerEpoch() != itersPerEpoch)
            throw new IllegalArgumentException(file + " was written with " + ck.position().itersPerEpoch() + " batches per epoch, the data now gives "
                    + itersPerEpoch + " (" + data.size() + " images, batch " + cfg.batch() + "): the data changed, so the run cannot continue identically; "
                    + "use --init-weights to start a new run from its weights");
        try {
            model.loadStateDict(ck.model(), true);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": model state does not match: " + e.getMessage(), e);
        }
        try {
            optimizer.loadState(ck.optimizer());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": optimizer state does not match: " + e.getMessage(), e);
        }
        RngStates.restore(ck.rngs(), maskRng, model, file.toString());
        position = ck.position();
        lastLoss = ck.lastLoss();
        lastCheckpoint = file;
        lastCheckpointWhen = describe(position);
        return this;
    }

    /** The config entries that must not change across a resume. */
    private static Map<String, Object> essentials(PretrainConfig c) {
        Map<String, Object> m = new LinkedHashMap<>(c.toMap());
        for (String k : List.of("epochs", "max_iters", "workers", "out", "save_every", "vis_count", "data")) m.remove(k);
        return m;
    }

    /**
     * Trains from the current position to the end of the last epoch, or until global iteration
     * {@code maxIters} (then a checkpoint of that mid-epoch position is written). A non-finite loss throws
     * {@link TrainingDivergedException} before the step, leaving the files on disk as they were.
     */
    public Result run() throws IOException {
        Files.createDirectories(out);
        long maxIt = (long) cfg.epochs() * itersPerEpoch;
        double wpIt = cfg.warmupEpochs() * itersPerEpoch;
        long stopAt = cfg.maxIters() > 0 ? Math.min(cfg.maxIters(), maxIt) : maxIt;
        List<TrainLog.Entry> done = new ArrayList<>();
        if (position.globalIteration() >= stopAt) {
            console.println("nothing to do: the run is at " + describe(position) + " of " + cfg.epochs() + " epochs");
            return new Result(done, position, lastCheckpoint, position.epoch() >= cfg.epochs());
        }
        ProgressLine progress = new ProgressLine(console, tty, stopAt - position.globalIteration(), 10);
        console.println(String.format(Locale.ROOT, "pre-training %s (%,d parameters) on %d images: %d epochs x %d iterations, batch %d, peak lr %.3g%s",
                cfg.model(), model.numParameters(), data.size(), cfg.epochs(), itersPerEpoch, cfg.batch(), cfg.peakLr(),
                position.globalIteration() > 0 ? ", resuming at " + describe(position) : ""));
        model.train();
        try (TrainLog log = new TrainLog(out.resolve(LOG), position.globalIteration())) {
            progress.start();
            while (position.epoch() < cfg.epochs() && position.globalIteration() < stopAt) {
                int epoch = position.epoch();
                long epochStart = System.nanoTime();
                DataLoader.EpochIterator batches = loader.iterator(epoch, position.batch());
                boolean more = true;
                while (position.epoch() == epoch && position.globalIteration() < stopAt) {
                    long t0 = System.nanoTime();
                    if (!batches.hasNext()) { more = false; break; }
                    Batch batch = batches.next();
                    TrainLog.Entry e = step(epoch, batch, maxIt, wpIt, t0);
                    log.add(e);
                    done.add(e);
                    progress.iteration(epoch, cfg.epochs(), e.it(), itersPerEpoch, batch.size(), e.loss(), e.lr());
                    position = TrainPosition.at(e.globalIt() + 1, itersPerEpoch);
                }
                if (!more && position.epoch() == epoch) position = new TrainPosition(epoch + 1, 0, itersPerEpoch);
                if (position.epoch() > epoch) {
                    batches.cancel();
                    endOfEpoch(epoch, log, (System.nanoTime() - epochStart) * 1e-9, progress);
                } else {
                    batches.cancel();
                    saveCheckpoint(out.resolve(LAST));
                    progress.message("stopped at " + describe(position) + " (max iterations " + cfg.maxIters() + "); checkpoint " + out.resolve(LAST));
                }
            }
        }
        boolean finished = position.epoch() >= cfg.epochs();
        if (finished) progress.message(String.format(Locale.ROOT, "finished %d epochs in %s; last loss %.4f. Files in %s",
                cfg.epochs(), ProgressLine.format(java.time.Duration.ofSeconds(Math.round(progress.elapsedSeconds()))), lastLoss, out));
        return new Result(done, position, lastCheckpoint, finished);
    }

    /** One iteration: schedule, mask, forward, finiteness check, backward, LAMB step. */
    private TrainLog.Entry step(int epoch, Batch batch, long maxIt, double wpIt, long t0) {
        int it = batch.number();
        long g = (long) epoch * itersPerEpoch + it;
        LrWdSchedule.Applied applied = LrWdSchedule.pretrain(groups, cfg.peakLr(), cfg.wd(), cfg.wde(), g, wpIt, maxIt);
        Tensor active = model.sampleMask(batch.size(), maskRng);
        // the last step's gradients go before the forward pass, not after it: they are 4 bytes per weight that
        // would otherwise sit in the heap through the forward pass's peak (docs/benchmarks.md, "Session 14")
        optimizer.zeroGrad();
        double loss;
        // the step's activations and gradients hand their arrays to the next allocation of the same size as soon
        // as backward is done with them (Recycler): nothing here reads them after backward
        try (Recycler.Scope scope = Recycler.open()) {
            SparK.Output o = model.forward(batch.images(), active);
            loss = o.loss().data().item();
            if (!Double.isFinite(loss)) throw diverged(epoch, it, g, loss);
            o.loss().backward();
        }
        optimizer.step();
        lastLoss = loss;
        return new TrainLog.Entry(epoch, it, g, loss, applied.maxLr(), applied.maxWd(), optimizer.lastGlobalGradNorm(), (System.nanoTime() - t0) * 1e-9);
    }

    private TrainingDivergedException diverged(int epoch, int it, long g, double loss) {
        String ck = lastCheckpoint == null ? "no checkpoint was written yet"
                : "the last good checkpoint, " + lastCheckpoint + " (" + lastCheckpointWhen + "), is unchanged";
        return new TrainingDivergedException(String.format(Locale.ROOT,
                "loss is %s at epoch %d, iteration %d of %d (global iteration %d): training stopped; %s. "
                        + "Lower --base-lr, or check the data for broken images.", loss, epoch + 1, it + 1, itersPerEpoch, g, ck), epoch, it);
    }

    private void endOfEpoch(int epoch, TrainLog log, double seconds, ProgressLine progress) throws IOException {
        Path last = out.resolve(LAST);
        saveCheckpoint(last);
        if (cfg.saveEvery() > 0 && (epoch + 1) % cfg.saveEvery() == 0) saveCheckpoint(out.resolve("ckpt-epoch" + (epoch + 1) + ".safetensors"));
        lastCheckpoint = last;
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model", cfg.model());
        if (cfg.arch() != null) meta.put("arch", dev.sparkj.tensor.io.Json.write(cfg.arch()));
        meta.put("epochs_done", Integer.toString(epoch + 1));
        EncoderExport.write(out, model, meta);
        LossCurve.writePng(out.resolve(LOSS_PNG), log.points(), "SparK pre-training loss (" + cfg.model() + ")");
        writeReconstruction(out.resolve(RECON_PNG));
        progress.message(String.format(Locale.ROOT, "epoch %d/%d done in %.1f s: last loss %.4f; wrote %s, %s, %s",
                epoch + 1, cfg.epochs(), seconds, lastLoss, last, out.resolve(LOSS_PNG), out.resolve(RECON_PNG)));
    }

    private void saveCheckpoint(Path file) throws IOException {
        new SparkCheckpoint(model.stateDict(), optimizer.state(), position, cfg, RngStates.capture(maskRng, model), lastLoss).write(file);
        lastCheckpoint = file;
        lastCheckpointWhen = describe(position);
    }

    /** The reconstruction picture of the first images with a fixed mask, in eval mode (then back to training mode). */
    public void writeReconstruction(Path file) throws IOException {
        Tensor images = Reconstruction.firstImages(data, cfg.visCount(), PretrainData.display(cfg));
        if (images == null) return;
        Tensor active = model.sampleMask(images.shape(0), new Rng(Seeds.derive(cfg.seed(), VIS_STREAM, 0)));
        model.eval();
        try {
            Reconstruction.write(file, model, images, active, cfg.normalization());
        } finally {
            model.train();
        }
    }

    private static String describe(TrainPosition p) {
        return p.batch() == 0 ? "after epoch " + p.epoch() : "epoch " + (p.epoch() + 1) + ", iteration " + p.batch();
    }

    @Override public void close() { loader.close(); }
}
