using System.Text;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Engine.Images;
using Xunit;

namespace Berth.Engine.Tests.Images;

/// <summary>
/// docker load of an OCI image layout checks every blob (manifest, config, layers) against the
/// digest and size of the descriptor naming it, before anything is stored: a mismatch is a 400
/// naming the digest, and leaves no image, no layer and no content behind.
/// </summary>
public sealed class OciLoadVerificationTests : ImageTestBase
{
    private static Task<IReadOnlyList<string>> Load(ImageService service, byte[] archive) =>
        service.LoadAsync(new MemoryStream(archive), CancellationToken.None);

    private static byte[] Config(params byte[][] layers) => Encoding.UTF8.GetBytes(
        "{\"architecture\":\"amd64\",\"os\":\"linux\"," +
        $"\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[{string.Join(',', layers.Select(l => $"\"{Digest.Compute(l)}\""))}]}}}}");

    private static string Descriptor(string mediaType, Digest digest, long size) =>
        $"{{\"mediaType\":\"{mediaType}\",\"digest\":\"{digest}\",\"size\":{size}}}";

    /// <summary>One image of an OCI layout: its manifest and the blobs it needs (descriptor digest → stored bytes).</summary>
    private sealed record OciImage(string Name, byte[] Manifest, List<(Digest Digest, byte[] Data)> Blobs);

    /// <summary>
    /// An image whose layer blobs are named by the digests of <paramref name="described"/> but hold
    /// <paramref name="stored"/> (the same unless a test swaps them); sizes are the described ones.
    /// </summary>
    private static OciImage Image(string name, byte[] config, byte[][] described, byte[][]? stored = null, long? configSize = null)
    {
        stored ??= described;
        var manifest = Encoding.UTF8.GetBytes(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," +
            $"\"config\":{Descriptor("application/vnd.oci.image.config.v1+json", Digest.Compute(config), configSize ?? config.Length)}," +
            $"\"layers\":[{string.Join(',', described.Select(l => Descriptor("application/vnd.oci.image.layer.v1.tar", Digest.Compute(l), l.Length)))}]}}");
        var blobs = new List<(Digest, byte[])> { (Digest.Compute(config), config) };
        for (var i = 0; i < described.Length; i++) blobs.Add((Digest.Compute(described[i]), stored[i]));
        return new OciImage(name, manifest, blobs);
    }

    private static byte[] Layout(params OciImage[] images) => Layout(images, manifestOverride: null);

    private static byte[] Layout(OciImage[] images, byte[]? manifestOverride)
    {
        var index = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"manifests\":[" + string.Join(',', images.Select(i =>
            $"{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{Digest.Compute(i.Manifest)}\",\"size\":{i.Manifest.Length}," +
            $"\"annotations\":{{\"io.containerd.image.name\":\"{i.Name}\"}}}}")) + "]}");
        var files = new Dictionary<string, byte[]>
        {
            ["oci-layout"] = "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray(),
            ["index.json"] = index,
        };
        foreach (var image in images)
        {
            files[$"blobs/sha256/{Digest.Compute(image.Manifest).Hex}"] = manifestOverride ?? image.Manifest;
            foreach (var (digest, data) in image.Blobs) files[$"blobs/sha256/{digest.Hex}"] = data;
        }
        return MakeArchive(files.Select(f => (f.Key, f.Value)));
    }

    private void AssertNothingStored(params byte[][] blobs)
    {
        Assert.Empty(Service.List());
        Assert.Empty(Layers.Layers);
        foreach (var blob in blobs) Assert.False(Content.Exists(Digest.Compute(blob)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Root, "a", "image", "tmp")));
    }

    [Fact]
    public async Task AGoodLayoutLoads()
    {
        var layer = MakeTar(("a", "1"));
        Assert.Equal(["Loaded image: good:1"], await Load(Service, Layout(Image("good:1", Config(layer), [layer]))));
        Assert.Single(Layers.Layers);
    }

    [Fact]
    public async Task ALayerWhoseBytesAreNotItsDigestIsRefused()
    {
        var described = MakeTar(("a", "original"));
        var swapped = MakeTar(("a", "swapped!")); // same length, another digest
        // The config agrees with the swapped bytes: only the descriptor digest can catch it.
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() =>
            Load(Service, Layout(Image("evil:1", Config(swapped), [described], [swapped]))));
        Assert.Equal($"invalid archive: blob {Digest.Compute(described)} has digest {Digest.Compute(swapped)}", error.Message);
        AssertNothingStored(described, swapped);
    }

    [Fact]
    public async Task ALayerAlreadyPresentLocallyIsStillChecked()
    {
        var layer = MakeTar(("a", "present"));
        await ImportAsync(Service, layer, "base:1");
        var layersBefore = Layers.Layers.Keys.ToHashSet();
        var garbage = new byte[layer.Length];
        new Random(5).NextBytes(garbage);

        var error = await Assert.ThrowsAsync<InvalidParameterException>(() =>
            Load(Service, Layout(Image("evil:1", Config(layer), [layer], [garbage]))));
        Assert.Contains($"blob {Digest.Compute(layer)} has digest", error.Message);
        Assert.Null(Service.TryResolve("evil:1"));
        Assert.Single(Service.List());
        Assert.Equal(layersBefore, Layers.Layers.Keys.ToHashSet());
    }

    [Fact]
    public async Task ALayerOfTheWrongSizeIsRefused()
    {
        var layer = MakeTar(("a", "1"));
        var longer = MakeTar(("a", "1"), ("b", "2"));
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() =>
            Load(Service, Layout(Image("evil:1", Config(layer), [layer], [longer]))));
        Assert.Contains($"blob {Digest.Compute(layer)} has size {longer.Length}, its descriptor says {layer.Length}", error.Message);
        AssertNothingStored(layer, longer);
    }

    [Fact]
    public async Task AConfigWhoseSizeIsWrongIsRefused()
    {
        var layer = MakeTar(("a", "1"));
        var config = Config(layer);
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() =>
            Load(Service, Layout(Image("evil:1", config, [layer], configSize: config.Length + 1))));
        Assert.Contains($"blob {Digest.Compute(config)} has size {config.Length}", error.Message);
        AssertNothingStored(layer);
    }

    [Fact]
    public async Task AConfigWhoseBytesAreNotItsDigestIsRefused()
    {
        var layer = MakeTar(("a", "1"));
        var config = Config(layer);
        var image = Image("evil:1", config, [layer]);
        var other = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(config).Replace("amd64", "arm64"));
        image.Blobs[0] = (image.Blobs[0].Digest, other);
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() => Load(Service, Layout(image)));
        Assert.Equal($"invalid archive: blob {Digest.Compute(config)} has digest {Digest.Compute(other)}", error.Message);
        AssertNothingStored(layer);
    }

    [Fact]
    public async Task AManifestWhoseBytesAreNotItsDigestIsRefused()
    {
        var layer = MakeTar(("a", "1"));
        var image = Image("evil:1", Config(layer), [layer]);
        var other = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(image.Manifest) + " ");
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() => Load(Service, Layout([image], other)));
        Assert.Contains($"blob {Digest.Compute(image.Manifest)} has", error.Message);
        AssertNothingStored(layer);
    }

    [Fact]
    public async Task ABadLayerInTheLastImageLeavesNothingOfTheEarlierOnes()
    {
        var good = MakeTar(("good", "1"));
        var described = MakeTar(("bad", "1"));
        var swapped = MakeTar(("bad", "2"));
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() => Load(Service, Layout(
            Image("first:1", Config(good), [good]),
            Image("second:1", Config(good, swapped), [good, described], [good, swapped]))));
        Assert.Contains($"blob {Digest.Compute(described)} has digest", error.Message);
        AssertNothingStored(good, described, swapped);
    }
}
