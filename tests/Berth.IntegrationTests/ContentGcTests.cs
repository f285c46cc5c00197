using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.IntegrationTests.Harness;

namespace Berth.IntegrationTests;

/// <summary>
/// Content garbage collection (issue 10): berthd killed (SIGKILL) in the middle of a load or a pull
/// leaves blobs and unpacked layers that no image references; the next berthd removes them at start.
/// rmi frees the disk of the last image using a layer.
/// </summary>
public sealed class ContentGcTests
{
    private const int LayerCount = 4;
    private const int LayerSize = 48 << 20; // random, so nothing compresses it away

    [Fact]
    public async Task ALoadKilledMidwayLeavesNothingAfterARestartAndRmiFreesTheDisk()
    {
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        var archive = Path.Combine(daemon.Root, "big.tar");
        await WriteDockerArchiveAsync(archive, "big:gc");
        var baseline = await ReferencedAsync(daemon);
        AssertOnlyReferenced(daemon, baseline);
        var diskBefore = DiskUsage(daemon);

        var load = daemon.Berth("load", "-i", archive);
        // Kill once the load has committed a layer's blob or unpacked layer, before it names the image.
        var blobs = Path.Combine(daemon.DataRoot, "content", "blobs", "sha256");
        var layers = Path.Combine(daemon.DataRoot, "layers");
        Assert.True(await DaemonExtensions.EventuallyAsync(() => Task.FromResult(
            Directory.GetFiles(blobs).Length > baseline.Blobs.Count || LayerDirs(layers).Count > baseline.Layers.Count), attempts: 6000, delayMs: 20),
            "the load never committed a layer");
        await daemon.KillHardAsync();
        var killed = await load;
        Assert.NotEqual(0, killed.ExitCode);
        var left = Directory.GetFiles(blobs).Length - baseline.Blobs.Count + LayerDirs(layers).Count - baseline.Layers.Count;
        Assert.True(left > 0, "the kill left nothing behind: the test did not interrupt the load");

        await daemon.StartAsync();
        Assert.DoesNotContain("big", await daemon.Ok("images", "--format", "{{.Repository}}"));
        await WaitOnlyReferencedAsync(daemon, baseline);

        // The same archive loads whole afterwards; rmi of its only image gives the disk back.
        var loaded = await daemon.Berth("load", "-i", archive);
        Assert.True(loaded.ExitCode == 0, loaded.ToString());
        var withImage = await ReferencedAsync(daemon);
        AssertOnlyReferenced(daemon, withImage);
        var diskLoaded = DiskUsage(daemon);
        Assert.True(diskLoaded - diskBefore > LayerCount * (long)LayerSize, $"loaded: {diskLoaded} bytes, before: {diskBefore}");

        await daemon.Ok("rmi", "big:gc");
        AssertOnlyReferenced(daemon, baseline);
        var diskAfter = DiskUsage(daemon);
        Assert.True(diskAfter - diskBefore < 4 << 20, $"after rmi: {diskAfter} bytes, before the load: {diskBefore}");
    }

    [Fact]
    public async Task APullKilledMidwayLeavesNothingAfterARestart()
    {
        await using var registry = await SlowRegistry.StartAsync();
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        var baseline = await ReferencedAsync(daemon);

        var pull = daemon.Berth("pull", registry.Reference);
        var blobs = Path.Combine(daemon.DataRoot, "content", "blobs", "sha256");
        var ingest = Path.Combine(daemon.DataRoot, "content", "ingest");
        var layers = Path.Combine(daemon.DataRoot, "layers");
        // The small layer is in (blob and unpacked), the big one is streaming into ingest/.
        Assert.True(await DaemonExtensions.EventuallyAsync(() => Task.FromResult(
            Directory.GetFiles(blobs).Length > baseline.Blobs.Count && LayerDirs(layers).Count > baseline.Layers.Count
            && Directory.GetFiles(ingest).Length > 0 && registry.BigBytesSent > 1 << 20), attempts: 6000, delayMs: 20),
            "the pull never got half-way");
        await daemon.KillHardAsync();
        await pull;

        await daemon.StartAsync();
        await WaitOnlyReferencedAsync(daemon, baseline);
        Assert.Empty(Directory.GetFiles(ingest));
    }

    [Fact]
    public async Task AForceRemovedImagesLayersGoWithItsLastContainer()
    {
        await using var daemon = await BerthDaemon.StartWithBusyboxAsync();
        var baseline = await ReferencedAsync(daemon);
        var archive = Path.Combine(daemon.Root, "small.tar");
        await WriteDockerArchiveAsync(archive, "small:gc", layers: 2, size: 1 << 20);
        await daemon.Ok("load", "-i", archive);
        var withImage = await ReferencedAsync(daemon);
        var name = DaemonFixture.UniqueName("gc");
        await daemon.Ok("create", "--name", name, "small:gc", "true");

        await daemon.Ok("rmi", "-f", "small:gc");
        // The container keeps its layers (not their tars): it can still start.
        var layers = LayerDirs(Path.Combine(daemon.DataRoot, "layers"));
        Assert.Equal(withImage.Layers.Order(), layers.Order());

        await daemon.Ok("rm", name);
        // berthd notices the container went (within its check interval) and frees the layers.
        await WaitOnlyReferencedAsync(daemon, baseline);
    }

    // ---- what the images reference, and what is on disk ----

    private sealed record Referenced(HashSet<string> Blobs, HashSet<string> Layers);

    /// <summary>
    /// Config blobs, layer tars (loads and imports keep them uncompressed: blob = diff ID) and chain IDs
    /// of every image, from `berth image inspect`. The pulled image of these tests is never complete.
    /// </summary>
    private static async Task<Referenced> ReferencedAsync(BerthDaemon daemon)
    {
        var ids = (await daemon.Ok("images", "-q", "--no-trunc")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct();
        var blobs = new HashSet<string>();
        var layers = new HashSet<string>();
        foreach (var id in ids)
        {
            var image = await daemon.InspectAsync(id);
            blobs.Add(Hex(image.GetProperty("Id").GetString()!));
            string? chain = null;
            foreach (var diffId in image.GetProperty("RootFS").GetProperty("Layers").EnumerateArray().Select(l => l.GetString()!))
            {
                blobs.Add(Hex(diffId));
                chain = chain is null ? diffId : OciLayout.DigestOf(Encoding.ASCII.GetBytes(chain + " " + diffId));
                layers.Add(Hex(chain));
            }
        }
        return new Referenced(blobs, layers);
    }

    private static string Hex(string digest) => digest["sha256:".Length..];

    private static List<string> LayerDirs(string layers) =>
        Directory.GetDirectories(layers).Select(Path.GetFileName).Where(n => n!.Length == 64).Select(n => n!).ToList();

    private static void AssertOnlyReferenced(BerthDaemon daemon, Referenced expected)
    {
        var blobs = Directory.GetFiles(Path.Combine(daemon.DataRoot, "content", "blobs", "sha256")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(expected.Blobs.Order(), blobs);
        Assert.Equal(expected.Layers.Order(), LayerDirs(Path.Combine(daemon.DataRoot, "layers")).Order());
    }

    private static async Task WaitOnlyReferencedAsync(BerthDaemon daemon, Referenced expected)
    {
        // The start collection runs beside serving; the container check every 10 s.
        await DaemonExtensions.EventuallyAsync(() =>
        {
            try
            {
                AssertOnlyReferenced(daemon, expected);
                return Task.FromResult(true);
            }
            catch (Xunit.Sdk.XunitException)
            {
                return Task.FromResult(false);
            }
        }, attempts: 400, delayMs: 100);
        AssertOnlyReferenced(daemon, expected);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(daemon.DataRoot, "layers", "tmp")));
    }

    /// <summary>Bytes under content/ and layers/ (du's apparent sizes of regular files).</summary>
    private static long DiskUsage(BerthDaemon daemon) =>
        new[] { "content", "layers" }.Sum(dir => new DirectoryInfo(Path.Combine(daemon.DataRoot, dir))
            .EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Sum(f => f.Length));

    // ---- test images ----

    private static byte[] RandomLayer(int index, int size)
    {
        var data = RandomNumberGenerator.GetBytes(size);
        var buffer = new MemoryStream(size + 4096);
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"data-{index}.bin") { DataStream = new MemoryStream(data) });
        return buffer.ToArray();
    }

    /// <summary>A docker-archive (manifest.json, config, uncompressed layer tars) with random layers.</summary>
    private static async Task WriteDockerArchiveAsync(string path, string tag, int layers = LayerCount, int size = LayerSize)
    {
        await using var file = File.Create(path);
        await using var writer = new TarWriter(file, TarEntryFormat.Pax);
        var diffIds = new JsonArray();
        var paths = new JsonArray();
        for (var i = 0; i < layers; i++)
        {
            var tar = RandomLayer(i, size);
            var diffId = OciLayout.DigestOf(tar);
            diffIds.Add(diffId);
            paths.Add($"{Hex(diffId)}/layer.tar");
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, $"{Hex(diffId)}/layer.tar") { DataStream = new MemoryStream(tar) });
        }
        var config = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["architecture"] = "amd64",
            ["os"] = "linux",
            ["created"] = "2026-01-01T00:00:00Z",
            ["config"] = new JsonObject { ["Cmd"] = new JsonArray("sh") },
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = diffIds },
        }.ToJsonString());
        var configName = Hex(OciLayout.DigestOf(config)) + ".json";
        await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, configName) { DataStream = new MemoryStream(config) });
        var manifest = new JsonArray(new JsonObject { ["Config"] = configName, ["RepoTags"] = new JsonArray(tag), ["Layers"] = paths });
        await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "manifest.json") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(manifest.ToJsonString())) });
    }

    /// <summary>
    /// A registry on 127.0.0.1 (plain HTTP, which berthd uses for loopback) serving one image: a small
    /// gzip layer at once, then a 64 MiB layer at about 1 MiB/s, so a pull is caught half-way.
    /// </summary>
    private sealed class SlowRegistry : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Dictionary<string, (byte[] Data, string Type)> _blobs = new();
        private readonly CancellationTokenSource _stop = new();
        private byte[] _manifest = [];
        private string _bigDigest = "";
        private long _bigSent;
        private Task _loop = Task.CompletedTask;

        public string Reference { get; private set; } = "";
        public long BigBytesSent => Interlocked.Read(ref _bigSent);

        public static async Task<SlowRegistry> StartAsync()
        {
            var registry = new SlowRegistry();
            var port = RegistryServer.FreePort();
            registry._listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            registry._listener.Start();
            registry.Reference = $"127.0.0.1:{port}/gc/slow:latest";
            await registry.BuildImageAsync();
            registry._loop = Task.Run(registry.ServeAsync);
            return registry;
        }

        private async Task BuildImageAsync()
        {
            var small = RandomLayer(0, 256 << 10);
            var big = RandomLayer(1, 64 << 20);
            var diffIds = new JsonArray();
            var layers = new JsonArray();
            foreach (var tar in new[] { small, big })
            {
                using var compressed = new MemoryStream();
                await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) await gzip.WriteAsync(tar);
                var digest = OciLayout.DigestOf(compressed.ToArray());
                _blobs[digest] = (compressed.ToArray(), "application/octet-stream");
                diffIds.Add(OciLayout.DigestOf(tar));
                layers.Add(new JsonObject { ["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip", ["digest"] = digest, ["size"] = compressed.Length });
                _bigDigest = digest;
            }
            var config = Encoding.UTF8.GetBytes(new JsonObject
            {
                ["architecture"] = "amd64",
                ["os"] = "linux",
                ["config"] = new JsonObject { ["Cmd"] = new JsonArray("sh") },
                ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = diffIds },
            }.ToJsonString());
            var configDigest = OciLayout.DigestOf(config);
            _blobs[configDigest] = (config, "application/octet-stream");
            _manifest = Encoding.UTF8.GetBytes(new JsonObject
            {
                ["schemaVersion"] = 2,
                ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
                ["config"] = new JsonObject { ["mediaType"] = "application/vnd.oci.image.config.v1+json", ["digest"] = configDigest, ["size"] = config.Length },
                ["layers"] = layers,
            }.ToJsonString());
        }

        private async Task ServeAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (HttpListenerException)
                {
                    continue; // e.g. a TLS hello on the plain port
                }
                _ = Task.Run(() => AnswerAsync(context));
            }
        }

        private async Task AnswerAsync(HttpListenerContext context)
        {
            var response = context.Response;
            try
            {
                var path = context.Request.Url!.AbsolutePath;
                if (path == "/v2/")
                {
                    response.StatusCode = 200;
                }
                else if (path.StartsWith("/v2/gc/slow/manifests/", StringComparison.Ordinal))
                {
                    response.ContentType = "application/vnd.oci.image.manifest.v1+json";
                    response.AddHeader("Docker-Content-Digest", OciLayout.DigestOf(_manifest));
                    response.ContentLength64 = _manifest.Length;
                    if (context.Request.HttpMethod != "HEAD") await response.OutputStream.WriteAsync(_manifest);
                }
                else if (path.StartsWith("/v2/gc/slow/blobs/", StringComparison.Ordinal) && _blobs.TryGetValue(path["/v2/gc/slow/blobs/".Length..], out var blob))
                {
                    var digest = path["/v2/gc/slow/blobs/".Length..];
                    response.ContentType = blob.Type;
                    response.ContentLength64 = blob.Data.Length;
                    if (digest != _bigDigest)
                    {
                        await response.OutputStream.WriteAsync(blob.Data);
                    }
                    else
                    {
                        for (var offset = 0; offset < blob.Data.Length && !_stop.IsCancellationRequested; offset += 64 << 10)
                        {
                            var n = Math.Min(64 << 10, blob.Data.Length - offset);
                            await response.OutputStream.WriteAsync(blob.Data.AsMemory(offset, n), _stop.Token);
                            Interlocked.Add(ref _bigSent, n);
                            await Task.Delay(60, _stop.Token);
                        }
                    }
                }
                else
                {
                    response.StatusCode = 404;
                    response.ContentType = "application/json";
                    await response.OutputStream.WriteAsync("""{"errors":[{"code":"NAME_UNKNOWN","message":"unknown"}]}"""u8.ToArray());
                }
                response.Close();
            }
            catch (Exception)
            {
                response.Abort(); // the client went away (the killed berthd)
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            try { await _loop; } catch { }
            _listener.Close();
        }
    }
}
