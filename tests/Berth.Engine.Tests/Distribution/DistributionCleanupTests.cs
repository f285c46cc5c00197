using System.Text;
using Berth.Core.Digests;
using Berth.Engine.Distribution;
using Berth.Engine.Distribution.Push;
using Berth.Engine.Images;
using Berth.Engine.Tests.Images;
using Xunit;

namespace Berth.Engine.Tests.Distribution;

/// <summary>rmi also drops the manifests an image was pulled or pushed with and the gzip blobs made to push it.</summary>
public sealed class DistributionCleanupTests : ImageTestBase
{
    private readonly DistributionStore _store;

    public DistributionCleanupTests()
    {
        _store = new DistributionStore(Database);
        Service.AddDeletionObserver(new DistributionCleanup(Content, Service.Store, _store));
    }

    private Task<IReadOnlyList<ImageDeleteEntry>> Rmi(string name) => Service.RemoveAsync(name, force: false, noPrune: false, CancellationToken.None);

    private Task<PushBlob> GzipFor(Digest diffId) =>
        new LayerCompressor(Content, Service, _store).BlobForAsync(diffId, CancellationToken.None);

    /// <summary>What a pull or push records: the manifest bytes in the content store and its row.</summary>
    private async Task<Digest> RecordManifestAsync(Image image, string repository)
    {
        var bytes = Encoding.UTF8.GetBytes("{\"config\":{\"digest\":\"" + image.Id + "\"}}");
        var info = await Content.WriteAsync(bytes, null, CancellationToken.None);
        _store.RecordManifest(new ImageManifestRecord(image.Id, repository, info.Digest, "application/vnd.docker.distribution.manifest.v2+json"));
        _store.RecordSource(image.Id, repository);
        return info.Digest;
    }

    [Fact]
    public async Task RmiDeletesManifestsAndMadeGzipBlobs()
    {
        var image = await ImportAsync(Service, MakeTar(("a", "1")), "one");
        var diffId = Service.GetRecord(image.Id)!.Layers[0].DiffId;
        var gzip = await GzipFor(diffId);
        _store.RecordSource(gzip.Digest, "docker.io/library/one");
        var manifest = await RecordManifestAsync(image, "docker.io/library/one");
        Assert.Equal(manifest, await RecordManifestAsync(image, "localhost:5000/one"));
        Assert.Equal(4, Content.List().Count()); // config, layer tar, gzip, manifest

        await Rmi("one");

        Assert.Empty(Content.List());
        Assert.Null(_store.FindManifest(image.Id, "docker.io/library/one"));
        Assert.Null(_store.FindCompressed(diffId));
        Assert.Empty(_store.Sources(gzip.Digest));
        Assert.Empty(_store.Sources(image.Id));
    }

    [Fact]
    public async Task AGzipOfALayerAnotherImageHasStaysAndPushesTheSameBytes()
    {
        var tar = MakeTar(("a", "1"));
        var first = await ImportAsync(Service, tar, "one", "ENV A=1");
        var second = await ImportAsync(Service, tar, "two", "ENV B=2");
        var diffId = Service.GetRecord(first.Id)!.Layers[0].DiffId;
        Assert.Equal(diffId, Service.GetRecord(second.Id)!.Layers[0].DiffId);
        var gzip = await GzipFor(diffId);
        var firstManifest = await RecordManifestAsync(first, "docker.io/library/one");
        var secondManifest = await RecordManifestAsync(second, "docker.io/library/two");

        await Rmi("one");

        Assert.False(Content.Exists(firstManifest));
        Assert.True(Content.Exists(secondManifest));
        Assert.Equal(gzip.Digest, _store.FindCompressed(diffId)?.Blob);
        Assert.Equal(gzip, await GzipFor(diffId));

        await Rmi("two");
        Assert.Empty(Content.List());
    }

    [Fact]
    public async Task AMadeGzipThatIsAlsoAPulledLayerBlobStays()
    {
        var tar = MakeTar(("a", "1"));
        var made = await ImportAsync(Service, tar, "made");
        var diffId = Service.GetRecord(made.Id)!.Layers[0].DiffId;
        var gzip = await GzipFor(diffId);

        // Another image whose (different) layer was pulled as exactly these gzip bytes (rows only).
        var pulledDiff = Digest.Compute(Encoding.UTF8.GetBytes("another layer"));
        var pulled = new ImageRecord(Digest.Compute(Encoding.UTF8.GetBytes("another config")), [new ImageLayerRef(pulledDiff, pulledDiff)], 1, null);
        Service.Store.Commit([(pulled, [new LayerBlob(pulledDiff, gzip.Digest, "gzip")])], []);

        await Rmi("made");

        Assert.Null(_store.FindCompressed(diffId));
        Assert.True(Content.Exists(gzip.Digest));
    }
}
