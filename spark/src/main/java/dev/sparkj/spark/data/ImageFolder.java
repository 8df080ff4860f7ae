package dev.sparkj.spark.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * A folder of image files as a dataset, flat or with one sub-folder per class (ImageNet's
 * {@code train/n01440764/*.JPEG} layout). Files ending in .jpg, .jpeg or .png (any case) are taken,
 * at any depth; hidden files and folders (names starting with '.') are skipped. The order is the
 * sorted order of the paths relative to the root (by string, so it is the same on every machine),
 * which makes sample indices, and so shuffles, reproducible.
 *
 * <p>Labels: when every image sits in a first-level sub-folder, the sorted sub-folder names are the
 * classes (as torchvision's ImageFolder); otherwise the dataset is unlabelled.
 */
public final class ImageFolder implements ImageDataset {
    private final Path root;
    private final List<String> files;   // relative paths with '/' separators, sorted
    private final List<String> classes;
    private final int[] labels;

    private ImageFolder(Path root, List<String> files) {
        this.root = root;
        this.files = List.copyOf(files);
        boolean nested = !files.isEmpty() && files.stream().allMatch(f -> f.indexOf('/') > 0);
        List<String> cls = new ArrayList<>();
        labels = new int[files.size()];
        if (nested) {
            for (int i = 0; i < files.size(); i++) {
                String c = files.get(i).substring(0, files.get(i).indexOf('/'));
                if (cls.isEmpty() || !cls.getLast().equals(c)) cls.add(c);   // sorted, so classes come in order
                labels[i] = cls.size() - 1;
            }
        } else {
            java.util.Arrays.fill(labels, -1);
        }
        this.classes = List.copyOf(cls);
    }

    /** Lists the images under {@code root}; throws if the folder is missing or holds no image. */
    public static ImageFolder open(Path root) throws IOException {
        if (!Files.isDirectory(root)) throw new IOException("image folder not found: " + root);
        List<String> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(p -> !p.equals(root))
                    .filter(p -> isImageName(p.getFileName().toString()))
                    .filter(p -> !hidden(root.relativize(p)))
                    .filter(Files::isRegularFile)
                    .forEach(p -> files.add(relative(root, p)));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (files.isEmpty()) throw new IOException("no .jpg/.jpeg/.png images under " + root);
        Collections.sort(files);
        return new ImageFolder(root, files);
    }

    /** Whether a file name has an image extension this dataset takes (jpg, jpeg, png; any case). */
    public static boolean isImageName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".png");
    }

    private static boolean hidden(Path rel) {
        for (Path part : rel) if (part.toString().startsWith(".")) return true;
        return false;
    }

    private static String relative(Path root, Path p) {
        StringBuilder sb = new StringBuilder();
        for (Path part : root.relativize(p)) {
            if (!sb.isEmpty()) sb.append('/');
            sb.append(part);
        }
        return sb.toString();
    }

    public Path root() { return root; }

    /** The image paths relative to the root, in index order, with '/' separators. */
    public List<String> files() { return files; }

    /** The absolute path of sample {@code index}. */
    public Path path(int index) { return root.resolve(files.get(index)); }

    @Override public int size() { return files.size(); }

    @Override public FloatImage load(int index) throws ImageDecodeException { return ImageDecoder.decode(path(index)); }

    @Override public String describe(int index) { return path(index).toString(); }

    @Override public int label(int index) { return labels[index]; }

    @Override public List<String> classes() { return classes; }

    @Override public String toString() {
        return "ImageFolder[" + root + ", " + files.size() + " images" + (classes.isEmpty() ? "" : ", " + classes.size() + " classes") + "]";
    }
}
