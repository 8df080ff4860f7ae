package dev.sparkj.spark.model;

import dev.sparkj.autograd.F;
import dev.sparkj.autograd.NoGrad;
import dev.sparkj.autograd.Variable;
import dev.sparkj.nn.BatchNorm2d;
import dev.sparkj.nn.Conv2d;
import dev.sparkj.nn.Identity;
import dev.sparkj.nn.ImageLayer;
import dev.sparkj.nn.Init;
import dev.sparkj.nn.LayerNorm;
import dev.sparkj.nn.Module;
import dev.sparkj.nn.ModuleList;
import dev.sparkj.nn.models.HierarchicalEncoder;
import dev.sparkj.sparse.ActiveMask;
import dev.sparkj.sparse.FeatureMap;
import dev.sparkj.sparse.SparseMap;
import dev.sparkj.tensor.Rng;
import dev.sparkj.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * SparK: masked image modeling for any hierarchical CNN. Mask random patches, encode only the visible
 * positions (sparse), densify each scale (norm, mask tokens, projection), decode with a light UNet and
 * score the reconstruction of the masked patches (spark-semantics.md §1–6).
 *
 * <p>State-dict keys match the reference: {@code sparse_encoder.sp_cnn.*}, {@code dense_decoder.*},
 * {@code densify_norms.i.*}, {@code densify_projs.i.*}, {@code mask_tokens.i}.
 */
public final class SparK extends Module {
    /** Keys the reference saves but never uses; loaders drop them. */
    public static final Set<String> UNUSED_REFERENCE_KEYS = Set.of("imn_m", "imn_s", "norm_black");

    private final Module cnn;
    private final HierarchicalEncoder encoder;
    private final LightDecoder decoder;
    private final ModuleList<Module> densifyNorms = new ModuleList<>();
    private final ModuleList<Module> densifyProjs = new ModuleList<>();
    private final MaskTokens maskTokens;
    private final int patch, gridH, gridW;
    private final double maskRatio;
    private final MaskGenerator masks;
    private final String densifyNorm;
    private SparseMap.Mode mode = SparseMap.Mode.PACKED;

    /** The parameter list {@code mask_tokens.i}, each {@code [1, C_i, 1, 1]}. */
    static final class MaskTokens extends Module {
        Variable add(int i, Tensor init) { return param(Integer.toString(i), init); }
        Variable get(int i) { return param(Integer.toString(i)); }
    }

    /** The encoder's own wrapper: the reference nests the CNN as {@code sparse_encoder.sp_cnn}. */
    static final class SparseEncoder extends Module {
        SparseEncoder(Module cnn) { child("sp_cnn", cnn); }
    }

    /**
     * @param cnn          a CNN that implements {@link HierarchicalEncoder} (its image layers must support sparse maps)
     * @param inputH       input height, a multiple of the downsample ratio
     * @param inputW       input width, a multiple of the downsample ratio
     * @param maskRatio    fraction of patches hidden (0.6 default)
     * @param decoderWidth the decoder width d (768 in the paper)
     * @param densifyNorm  "bn" (ResNet), "ln" (ConvNeXt) or "identity"
     */
    public SparK(Module cnn, int inputH, int inputW, double maskRatio, int decoderWidth, String densifyNorm, Rng rng) {
        if (!(cnn instanceof HierarchicalEncoder enc))
            throw new IllegalArgumentException(cnn.getClass().getSimpleName() + " does not implement HierarchicalEncoder, so SparK cannot pre-train it");
        this.cnn = cnn;
        this.encoder = enc;
        this.patch = enc.downsampleRatio();
        if (inputH % patch != 0 || inputW % patch != 0)
            throw new IllegalArgumentException("input " + inputH + "x" + inputW + " must be a multiple of the encoder's downsample ratio " + patch);
        this.gridH = inputH / patch;
        this.gridW = inputW / patch;
        this.maskRatio = maskRatio;
        this.masks = new MaskGenerator(gridH, gridW, maskRatio); // also validates that some patch stays visible
        this.densifyNorm = densifyNorm;
        child("sparse_encoder", new SparseEncoder(cnn));
        decoder = child("dense_decoder", new LightDecoder(patch, decoderWidth, rng));
        child("densify_norms", densifyNorms);
        child("densify_projs", densifyProjs);
        maskTokens = child("mask_tokens", new MaskTokens());
        int[] widths = enc.featureChannels();
        int d = decoderWidth;
        for (int i = 0; i < widths.length; i++) {
            int e = widths[widths.length - 1 - i]; // smallest map first
            maskTokens.add(i, rng.truncatedNormal(0, 0.02, -0.02, 0.02, 1, e, 1, 1));
            densifyNorms.add(switch (densifyNorm) {
                case "bn" -> new BatchNorm2d(e);
                case "ln" -> LayerNorm.channelsFirst(e, 1e-6);
                case "identity" -> new Identity();
                default -> throw new IllegalArgumentException("densify norm must be bn, ln or identity, got " + densifyNorm);
            });
            if (i == 0 && e == d) {
                densifyProjs.add(new Identity());
            } else {
                int k = i == 0 ? 1 : 3;
                Conv2d c = new Conv2d(e, d, k, 1, k / 2, true, rng);
                Init.pytorchDefault(c.weight(), c.bias(), rng);
                densifyProjs.add(c);
            }
            d /= 2;
        }
    }

    /** The CNN being pre-trained (export it for fine-tuning). */
    public Module encoder() { return cnn; }

    public LightDecoder decoder() { return decoder; }

    /** Patch size p (the encoder's downsample ratio). */
    public int patchSize() { return patch; }

    public int gridH() { return gridH; }

    public int gridW() { return gridW; }

    public double maskRatio() { return maskRatio; }

    public String densifyNorm() { return densifyNorm; }

    /** Packed sparse computation (default) or the masked-dense emulation (the oracle, and how the reference computes). */
    public SparK setMode(SparseMap.Mode m) {
        this.mode = m;
        return this;
    }

    /** A random mask: {@code [B, 1, h, w]} BOOL, true = visible. */
    public Tensor sampleMask(int batch, Rng rng) {
        return masks.sample(batch, rng);
    }

    /** Everything one forward produces. */
    public record Output(Variable loss, Variable reconstruction, Tensor patchMean, Tensor patchStd) {}

    /**
     * One forward: {@code input} {@code [B, 3, H, W]}, {@code active} {@code [B, 1, h, w]} (nonzero = visible).
     * Returns the loss on masked patches and the raw reconstruction {@code [B, 3, H, W]} (in per-patch normalised units).
     */
    public Output forward(Tensor input, Tensor active) {
        int[] s = input.shape();
        if (s.length != 4 || s[1] != 3 || s[2] != gridH * patch || s[3] != gridW * patch)
            throw new IllegalArgumentException("input must be [B, 3, " + gridH * patch + ", " + gridW * patch + "], got " + java.util.Arrays.toString(s));
        ActiveMask mask = ActiveMask.of(active);
        if (mask.batch() != s[0] || mask.h() != gridH || mask.w() != gridW)
            throw new IllegalArgumentException("mask must be [" + s[0] + ", 1, " + gridH + ", " + gridW + "], got " + java.util.Arrays.toString(active.shape()));
        // The reference multiplies the image by the upsampled mask first. SparseMap.of does that itself: it keeps only
        // the visible pixels (packed) or multiplies by the same mask (masked dense), so the image goes in as it is.
        List<FeatureMap> feats = new ArrayList<>(encoder.forwardFeatures(SparseMap.of(Variable.of(input), mask, mode)));
        Collections.reverse(feats);                                          // smallest first
        List<Variable> toDec = new ArrayList<>();
        for (int i = 0; i < feats.size(); i++) {
            FeatureMap f = feats.get(i);
            if (f == null) { toDec.add(null); continue; }
            FeatureMap normed = ((ImageLayer) densifyNorms.get(i)).forward(f);
            if (!(normed instanceof SparseMap sm))
                throw new IllegalStateException("densify norm " + i + " returned a dense map; the encoder must keep maps sparse");
            Variable dense = sm.densify(maskTokens.get(i));                 // [B,C_i,h_i,w_i], mask token at masked positions
            // The decoder works channels-last (NHWC) from here on: its convolutions run on NHWC rows, and every
            // layer keeps its input's memory order, so no activation is copied between layouts on the way.
            toDec.add(((ImageLayer) densifyProjs.get(i)).forward(F.toChannelsLast(dense)));
        }
        Variable rec = decoder.forward(toDec);                               // [B,3,H,W]
        Tensor nonActive = active.reshape(s[0], gridH * gridW).eq(0.0).cast(input.dtype());  // 1 = masked
        if (PatchLoss.applies(input, rec)) { // the same loss in one pass per patch (float tensors on the heap)
            PatchLoss.Result r = PatchLoss.of(input, rec, nonActive.toFloatArray(), gridH, gridW, patch);
            return new Output(r.loss(), rec, r.mean(), r.std());
        }
        Tensor inp = patchify(input);                                        // [B,L,p*p*3]
        Tensor mean = inp.mean(new int[]{2}, true);
        Tensor std = inp.var(new int[]{2}, 1, true).add(1e-6).sqrt();
        Tensor target = inp.sub(mean).div(std);
        Variable recP = patchify(rec);
        Variable l2 = F.mean(F.square(F.sub(recP, Variable.of(target))), new int[]{2}, false); // [B,L]
        Variable loss = F.div(F.sum(F.mul(l2, Variable.of(nonActive))), nonActive.sum().item() + 1e-8);
        return new Output(loss, rec, mean, std);
    }

    /** The three display images of spark-semantics.md §6 (computed without a graph). */
    public record Visual(Tensor input, Tensor masked, Tensor recOrInput, Tensor reconstruction) {}

    /** Reconstruction for display: de-normalised with each input patch's own statistics, visible patches pasted back. */
    public Visual visualize(Tensor input, Tensor active) {
        try (NoGrad g = NoGrad.enter()) {
            Output o = forward(input, active);
            Tensor recImg = unpatchify(patchify(o.reconstruction().data()).mul(o.patchStd()).add(o.patchMean()));
            Tensor activeFull = ActiveMask.of(active).upsample(patch);
            Tensor masked = input.mul(activeFull.cast(input.dtype()));
            Tensor recOrInp = Tensor.where(activeFull.gt(0.5), input, recImg);
            return new Visual(input, masked, recOrInp, recImg);
        }
    }

    /** {@code [B, C, H, W]} → {@code [B, h*w, p*p*C]}, element order (row in patch, column in patch, channel). */
    public Tensor patchify(Tensor x) {
        int b = x.shape(0), c = x.shape(1);
        return x.reshape(b, c, gridH, patch, gridW, patch).permute(0, 2, 4, 3, 5, 1).reshape(b, gridH * gridW, patch * patch * c);
    }

    private Variable patchify(Variable x) {
        int b = x.shape(0), c = x.shape(1);
        return F.reshape(F.permute(F.reshape(x, b, c, gridH, patch, gridW, patch), 0, 2, 4, 3, 5, 1), b, gridH * gridW, patch * patch * c);
    }

    /** The inverse of {@link #patchify(Tensor)}. */
    public Tensor unpatchify(Tensor x) {
        int b = x.shape(0), c = x.shape(2) / (patch * patch);
        return x.reshape(b, gridH, gridW, patch, patch, c).permute(0, 5, 1, 3, 2, 4).reshape(b, c, gridH * patch, gridW * patch);
    }

}
