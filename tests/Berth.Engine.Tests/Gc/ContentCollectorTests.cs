using System.Formats.Tar;
using System.Text;
using Berth.Content;
using Berth.Core.Digests;
using Berth.Engine.Gc;
using Berth.Engine.Images;
using Berth.Engine.Metadata;
using Berth.Engine.Tests.Images;
using Berth.Layers;
using Xunit;

namespace Berth.Engine.Tests.Gc;

/// <summary>
/// Mark and sweep over a temporary data root with the real content and layer stores (plain files
/// only: no mounts, no privileges needed), through the image service as berthd wires it.
/// </summary>
public sealed class ContentCollectorTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "berth-gc-" + Guid.NewGuid().ToString("N"));
    private readonly List<MetadataStore> _databases = [];
    private readonly List<Digest> _containers = [];
    private readonly FakeUsage _usage = new();

    private (ImageService Images, ContentStore Content, LayerStore Layers) Start()
    {
        var content = new ContentStore(Path.Combine(_root, "content"));
        var layers = new LayerStore(Path.Combine(_root, "layers"));
        var db = new MetadataStore(Path.Combine(_root, "berth.db"));
        _databases.Add(db);
        var images = new ImageService(content, layers, db, _usage, Path.Combine(_root, "image"), () =>
        {
            lock (_containers) return _containers.ToList();
        });
        return (images, content, layers);
    }

    public void Dispose()
    {
        foreach (var db in _databases) db.Dispose();
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static byte[] Tar(string name, string text)
    {
        var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Ustar, leaveOpen: true))
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)),
                ModificationTime = DateTimeOffset.UnixEpoch,
            });
        return buffer.ToArray();
    }

    private static Task<Image> Import(ImageService images, byte[] tar, string name) =>
        images.ImportAsync(new MemoryStream(tar), new ImportOptions([], null, name, null), CancellationToken.None);

    private string LayerDir(Digest chain) => Path.Combine(_root, "layers", chain.Hex);

    /// <summary>What a killed load or pull leaves: a blob and a layer that no image names.</summary>
    private static async Task<(Digest Blob, Layer Layer)> Orphan(ContentStore content, LayerStore layers, string text)
    {
        var tar = Tar("orphan", text);
        var blob = await content.WriteAsync(tar, null, CancellationToken.None);
        var layer = await layers.ApplyAsync(null, new MemoryStream(tar), blob.Digest, CancellationToken.None);
        return (blob.Digest, layer);
    }

    [Fact]
    public async Task StartRemovesWhatNoImageHoldsAndKeepsEveryImagesContent()
    {
        var (images, content, layers) = Start();
        var image = await Import(images, Tar("a", "1"), "kept");
        var (blob, layer) = await Orphan(content, layers, "orphan");
        File.WriteAllText(Path.Combine(_root, "content", "ingest", "stale"), "half a blob");
        Directory.CreateDirectory(Path.Combine(_root, "layers", "tmp", "stale-unpack"));

        var result = await images.Collector.StartAsync(CancellationToken.None);

        Assert.Equal([blob], result.Blobs);
        Assert.Equal([layer.ChainId], result.Layers);
        Assert.Equal(2, result.StaleTemp);
        Assert.False(content.Exists(blob));
        Assert.False(Directory.Exists(LayerDir(layer.ChainId)));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "layers", "tmp")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "content", "ingest")));
        // The image is whole: config, layer tar, unpacked layer.
        Assert.True(content.Exists(image.Id));
        Assert.True(content.Exists(layers.Get(image.ChainId!.Value)!.DiffId));
        Assert.True(Directory.Exists(LayerDir(image.ChainId.Value)));
        Assert.Equal(new[] { image.Id, layers.Get(image.ChainId.Value)!.DiffId }.Select(d => d.ToString()).Order(),
            content.List().Select(c => c.Digest.ToString()).Order());
    }

    [Fact]
    public async Task LiveLeaseHoldsUntilReleased()
    {
        var (images, content, layers) = Start();
        var lease = await images.Leases.CreateAsync("pull", CancellationToken.None);
        var tar = Tar("leased", "x");
        var blob = await content.WriteAsync(new MemoryStream(tar), null, lease.BeforeCommit, CancellationToken.None);
        var chain = ChainIds.Compute(null, blob.Digest);
        await lease.HoldLayerAsync(chain, CancellationToken.None);
        await layers.ApplyAsync(null, new MemoryStream(tar), blob.Digest, CancellationToken.None);

        var held = await images.Collector.CollectAsync(CancellationToken.None, grace: TimeSpan.Zero);
        Assert.Empty(held.Blobs);
        Assert.Empty(held.Layers);
        Assert.True(content.Exists(blob.Digest));
        Assert.NotNull(layers.Get(chain));

        await lease.DisposeAsync();
        var freed = await images.Collector.CollectAsync(CancellationToken.None, grace: TimeSpan.Zero);
        Assert.Equal([blob.Digest], freed.Blobs);
        Assert.Equal([chain], freed.Layers);
        Assert.Empty(images.Leases.Live());
    }

    [Fact]
    public async Task LeasesOfAPreviousProcessExpireAtStart()
    {
        var (images, content, layers) = Start();
        var lease = await images.Leases.CreateAsync("load", CancellationToken.None);
        var tar = Tar("killed", "mid-load");
        var digest = Digest.Compute(tar);
        await lease.HoldAsync([digest], [ChainIds.Compute(null, digest)], CancellationToken.None);
        await content.WriteAsync(tar, digest, CancellationToken.None);
        await layers.ApplyAsync(null, new MemoryStream(tar), digest, CancellationToken.None);
        // The process is killed here: the lease is never released.

        var (restarted, content2, layers2) = Start();
        Assert.Empty(restarted.Leases.Live()); // another process's lease is not live
        var result = await restarted.Collector.StartAsync(CancellationToken.None);

        Assert.Equal([digest], result.Blobs);
        Assert.Single(result.Layers);
        Assert.Empty(content2.List());
        Assert.Empty(layers2.List());
        using var connection = _databases[1].Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM leases";
        Assert.Equal(0L, (long)command.ExecuteScalar()!);
    }

    [Fact]
    public async Task GracePeriodKeepsFreshUnheldContentFromPeriodicCollections()
    {
        var (images, content, layers) = Start();
        var (blob, layer) = await Orphan(content, layers, "fresh");

        Assert.Empty((await images.Collector.CollectAsync(CancellationToken.None)).Blobs);
        Assert.True(content.Exists(blob));

        images.Collector.UtcNow = () => DateTime.UtcNow + images.Collector.Grace + TimeSpan.FromSeconds(1);
        var result = await images.Collector.CollectAsync(CancellationToken.None);
        Assert.Equal([blob], result.Blobs);
        Assert.Equal([layer.ChainId], result.Layers);
    }

    [Fact]
    public async Task ContainersHoldTheLayersOfAForceRemovedImageUntilTheyGo()
    {
        var (images, content, layers) = Start();
        var image = await Import(images, Tar("base", "1"), "base");
        var baseLayer = layers.Get(image.ChainId!.Value)!;
        var childLayer = await images.AddLayerAsync(baseLayer, new MemoryStream(Tar("child", "2")), null, CancellationToken.None);
        var config = ImageConfigFile.Parse(image.Config.ToJsonBytes());
        config.RootFs.DiffIds = [baseLayer.DiffId.ToString(), childLayer.DiffId.ToString()];
        config.History = null;
        var child = await images.CreateAsync(config.ToJsonBytes(), [new LayerBlob(childLayer.DiffId, childLayer.DiffId, "none")], [], CancellationToken.None);
        Assert.Equal(childLayer.ChainId, child.ChainId);
        _containers.Add(childLayer.ChainId); // a container of the child image: its recorded ImageChainId

        // rmi -f of both images (FakeUsage reports no container, so rmi offers the layers to the
        // collector; the container's chain holds its top layer and, through it, the base layer).
        await images.RemoveAsync("base", force: true, noPrune: false, CancellationToken.None);
        await images.RemoveAsync(child.Id.ToString(), force: true, noPrune: false, CancellationToken.None);
        Assert.Empty(images.List());
        Assert.NotNull(layers.Get(childLayer.ChainId));
        Assert.NotNull(layers.Get(baseLayer.ChainId));
        Assert.Empty(content.List()); // the tars are not needed to run the container

        var held = await images.Collector.StartAsync(CancellationToken.None);
        Assert.Empty(held.Layers);
        Assert.Equal(2, layers.List().Count());

        _containers.Clear(); // the last container is removed
        var freed = await images.Collector.CollectAsync(CancellationToken.None, grace: TimeSpan.Zero);
        Assert.Equal(2, freed.Layers.Count);
        Assert.Empty(layers.List());
    }

    [Fact]
    public async Task TheLoopCollectsAForceRemovedImagesLayersOnceItsLastContainerGoes()
    {
        var (images, _, layers) = Start();
        images.Collector.CheckInterval = TimeSpan.FromMilliseconds(50);
        using var stop = new CancellationTokenSource();
        var loop = images.Collector.RunAsync(stop.Token);

        // Made, force-removed and gone between two of the loop's looks at the containers.
        var image = await Import(images, Tar("a", "loop"), "loop");
        var chain = image.ChainId!.Value;
        _usage.Users[image.Id] = [("0123456789ab", false)];
        lock (_containers) _containers.Add(chain);
        await images.RemoveAsync("loop", force: true, noPrune: false, CancellationToken.None);
        Assert.NotNull(layers.Get(chain));
        lock (_containers) _containers.Clear();

        for (var i = 0; i < 200 && layers.List().Any(); i++) await Task.Delay(25, TestContext.Current.CancellationToken);
        Assert.Empty(layers.List());
        await stop.CancelAsync();
        await loop;
    }

    [Fact]
    public async Task RmiFreesTheLastImagesContentButNotWhatALeaseHolds()
    {
        var (images, content, layers) = Start();
        var image = await Import(images, Tar("a", "rmi"), "gone");
        var chain = image.ChainId!.Value;
        var diffId = layers.Get(chain)!.DiffId;
        await using (var pull = await images.Leases.CreateAsync("pull", CancellationToken.None))
        {
            // A pull in progress has leased the same layer: rmi leaves it to the pull.
            await pull.HoldAsync([diffId], [chain], CancellationToken.None);
            var lines = await images.RemoveAsync("gone", force: false, noPrune: false, CancellationToken.None);
            Assert.DoesNotContain(lines, l => l.Deleted == chain.ToString());
            Assert.False(content.Exists(image.Id));
            Assert.True(content.Exists(diffId));
            Assert.NotNull(layers.Get(chain));
        }
        var again = await Import(images, Tar("a", "rmi"), "again");
        var removed = await images.RemoveAsync("again", force: false, noPrune: false, CancellationToken.None);
        Assert.Contains(removed, l => l.Deleted == chain.ToString());
        Assert.Empty(content.List());
        Assert.Empty(layers.List());
        Assert.Equal(again.ChainId, chain);
    }

    [Fact]
    public async Task WritesRacingCollectionsAreNeverDeleted()
    {
        var (images, content, _) = Start();
        using var stop = new CancellationTokenSource();
        var collections = 0;
        var collector = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await images.Collector.CollectAsync(CancellationToken.None, grace: TimeSpan.Zero);
                collections++;
            }
        }, TestContext.Current.CancellationToken);
        for (var i = 0; i < 200; i++)
        {
            await using var lease = await images.Leases.CreateAsync("race", CancellationToken.None);
            var data = Encoding.UTF8.GetBytes("blob " + (i % 7)); // repeats: found present as often as written
            var known = i % 2 == 0 ? Digest.Compute(data) : (Digest?)null;
            var info = await content.WriteAsync(new MemoryStream(data), known, lease.BeforeCommit, CancellationToken.None);
            Assert.True(content.Exists(info.Digest), $"write {i}: blob deleted under its lease");
            Assert.Equal(data, await content.ReadAllAsync(info.Digest, CancellationToken.None));
        }
        await stop.CancelAsync();
        await collector;
        Assert.True(collections > 0);
    }

    [Fact]
    public async Task IngestsOfWritesInProgressAreNotStale()
    {
        var (images, content, _) = Start();
        var gate = new SemaphoreSlim(0);
        var slow = new GatedStream(Encoding.UTF8.GetBytes("slow blob"), gate);
        var write = content.WriteAsync(slow, null, CancellationToken.None);
        while (Directory.GetFiles(Path.Combine(_root, "content", "ingest")).Length == 0) await Task.Delay(10, TestContext.Current.CancellationToken);

        var result = await images.Collector.CollectAsync(CancellationToken.None, grace: TimeSpan.Zero);
        Assert.Equal(0, result.StaleTemp);
        gate.Release();
        var info = await write;
        Assert.True(content.Exists(info.Digest));
    }

    [Fact]
    public async Task DetachedLayersAreGoneFromSightAndAStartFinishesTheirRemoval()
    {
        var (_, content, layers) = Start();
        var (_, layer) = await Orphan(content, layers, "detach");
        var remove = layers.Detach(layer.ChainId);
        Assert.NotNull(remove);
        Assert.Null(layers.Get(layer.ChainId));
        Assert.False(Directory.Exists(LayerDir(layer.ChainId)));
        Assert.Single(Directory.GetDirectories(Path.Combine(_root, "layers", "tmp"))); // a crash here …
        _ = new LayerStore(Path.Combine(_root, "layers")); // … and the next start empties tmp/
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, "layers", "tmp")));
        await remove!(); // the interrupted removal finds nothing left
    }

    [Fact]
    public async Task CostOfACollectionOverFiftyImages()
    {
        var (images, content, layers) = Start();
        for (var i = 0; i < 50; i++)
        {
            var image = await Import(images, Tar("base", "image " + i), "img" + i);
            Layer top = layers.Get(image.ChainId!.Value)!;
            var diffIds = new List<string> { top.DiffId.ToString() };
            for (var j = 0; j < 2; j++)
            {
                top = await images.AddLayerAsync(top, new MemoryStream(Tar("layer" + j, $"image {i} layer {j}")), null, CancellationToken.None);
                diffIds.Add(top.DiffId.ToString());
            }
            var config = ImageConfigFile.Parse(image.Config.ToJsonBytes());
            config.RootFs.DiffIds = diffIds;
            config.History = null;
            await images.CreateAsync(config.ToJsonBytes(), [], [Core.References.ImageReference.Parse("app" + i)], CancellationToken.None);
        }
        var blobs = content.List().Count();
        var stored = layers.List().Count();

        await images.Collector.CollectAsync(CancellationToken.None, grace: TimeSpan.Zero); // warm up
        var runs = new List<GcResult>();
        for (var i = 0; i < 5; i++) runs.Add(await images.Collector.CollectAsync(CancellationToken.None, grace: TimeSpan.Zero));
        Assert.All(runs, r => Assert.Empty(r.Blobs));
        Assert.All(runs, r => Assert.Empty(r.Layers));
        var times = runs.Select(r => r.Elapsed.TotalMilliseconds).Order().ToList();
        output.WriteLine($"gc over {images.List().Count} images, {stored} layers, {blobs} blobs: median {times[2]:F1} ms (min {times[0]:F1}, max {times[^1]:F1}); under the gate {runs.Select(r => r.Locked.TotalMilliseconds).Order().ElementAt(2):F1} ms");
    }

    /// <summary>Returns its bytes only once the gate is released: a write that stays in progress.</summary>
    private sealed class GatedStream(byte[] data, SemaphoreSlim gate) : Stream
    {
        private int _position;
        private bool _opened;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_opened)
            {
                await gate.WaitAsync(cancellationToken);
                _opened = true;
            }
            var n = Math.Min(buffer.Length, data.Length - _position);
            data.AsMemory(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
