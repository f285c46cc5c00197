using Berth.Layers;
using System.Text;
using System.Text.Json;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Engine.Images;
using Xunit;

namespace Berth.Engine.Tests.Images;

public sealed class ArchiveTests : ImageTestBase
{
    private async Task<byte[]> Save(ImageService service, params string[] names)
    {
        var output = new MemoryStream();
        await service.SaveAsync(names, output, CancellationToken.None);
        return output.ToArray();
    }

    private static Task<IReadOnlyList<string>> Load(ImageService service, byte[] archive) =>
        service.LoadAsync(new MemoryStream(archive), CancellationToken.None);

    [Fact]
    public async Task SaveWritesDocker2010LayoutDeterministically()
    {
        var tar = MakeTar(("bin/sh", "shell"));
        var image = await ImportAsync(Service, tar, "busybox");
        await Service.TagAsync("busybox", "busybox", "1.36", CancellationToken.None);

        var archive = await Save(Service, "busybox");
        Assert.Equal(archive, await Save(Service, "busybox"));

        var entries = ReadArchive(archive);
        var names = entries.Keys.ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(await Content.ReadAllAsync(image.Id, CancellationToken.None), entries[image.Id.Hex + ".json"]);

        using var manifest = JsonDocument.Parse(entries["manifest.json"]);
        var entry = Assert.Single(manifest.RootElement.EnumerateArray().ToList());
        Assert.Equal(image.Id.Hex + ".json", entry.GetProperty("Config").GetString());
        Assert.Equal(["busybox:1.36", "busybox:latest"], entry.GetProperty("RepoTags").EnumerateArray().Select(e => e.GetString()!).Order());
        var layerPath = Assert.Single(entry.GetProperty("Layers").EnumerateArray().ToList()).GetString()!;
        Assert.Equal(image.Config.RootFs.DiffIds[0], Digest.Compute(entries[layerPath]).ToString());
        var layerDir = layerPath[..layerPath.IndexOf('/')];
        Assert.Equal("1.0", Encoding.ASCII.GetString(entries[layerDir + "/VERSION"]));
        Assert.Contains(layerDir + "/json", names);

        using var repositories = JsonDocument.Parse(entries["repositories"]);
        Assert.Equal(layerDir, repositories.RootElement.GetProperty("busybox").GetProperty("latest").GetString());
    }

    [Fact]
    public async Task SaveThenLoadOnAFreshDaemonKeepsTheId()
    {
        var tagged = await ImportAsync(Service, MakeTar(("a", "1")), "app:v1", "CMD [\"/a\"]");
        var untagged = await ImportAsync(Service, Gzip(MakeTar(("b", "2"))));
        var archive = await Save(Service, "app:v1", untagged.Id.Hex[..10]);

        var fresh = NewDaemon("fresh");
        var lines = await Load(fresh.Service, archive);

        Assert.Equal(["Loaded image: app:v1", $"Loaded image ID: {untagged.Id}"], lines);
        var loaded = fresh.Service.Resolve("app:v1");
        Assert.Equal(tagged.Id, loaded.Id);
        Assert.Equal(["/a"], loaded.Config.Config!.Cmd!);
        Assert.Equal(tagged.ChainId, loaded.ChainId);
        Assert.Equal(untagged.Id, fresh.Service.Resolve(untagged.Id.ToString()).Id);

        // Saving from the new daemon gives the same archive back.
        Assert.Equal(await Save(Service, "app:v1"), await Save(fresh.Service, "app:v1"));

        // Loading again is idempotent.
        Assert.Equal(["Loaded image: app:v1", $"Loaded image ID: {untagged.Id}"], await Load(fresh.Service, archive));
        Assert.Equal(2, fresh.Service.List().Count);
    }

    [Fact]
    public async Task LoadMovingATagRenamesTheOldImage()
    {
        var old = await ImportAsync(Service, MakeTar(("old", "1")), "app");
        var fresh = NewDaemon("other");
        var newer = await ImportAsync(fresh.Service, MakeTar(("new", "2")), "app");

        var lines = await Load(Service, await Save(fresh.Service, "app"));
        Assert.Equal([$"The image app:latest already exists, renaming the old one with ID {old.Id} to empty string", "Loaded image: app:latest"], lines);
        Assert.Equal(newer.Id, Service.Resolve("app").Id);
        Assert.Empty(Service.Resolve(old.Id.ToString()).RepoTags);
    }

    [Fact]
    public async Task TamperedLayerIsRefusedAndLeavesNoImage()
    {
        await ImportAsync(Service, MakeTar(("a", "original")), "victim");
        var entries = ReadArchive(await Save(Service, "victim"));
        var layerPath = entries.Keys.Single(k => k.EndsWith("/layer.tar", StringComparison.Ordinal));
        entries[layerPath] = MakeTar(("a", "evil!!!!"));

        var fresh = NewDaemon("fresh");
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() => Load(fresh.Service, MakeArchive(entries.Where(e => !e.Key.EndsWith('/')).Select(e => (e.Key, e.Value)))));
        Assert.StartsWith("invalid diffID for layer 0: expected \"sha256:", error.Message);
        Assert.Empty(fresh.Service.List());
        Assert.Null(fresh.Service.TryResolve("victim"));
        Assert.Empty(fresh.Layers.Layers);
    }

    [Fact]
    public async Task LoadsAnOciLayoutWithGzipLayers()
    {
        var layer1 = MakeTar(("etc/os-release", "ID=test\n"));
        var layer2 = MakeTar(("app/run", "#!/bin/sh\n"));
        var gz1 = Gzip(layer1);
        var config = Encoding.UTF8.GetBytes(
            "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-05-01T10:11:12.123456789Z\"," +
            "\"config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"/app/run\"]}," +
            $"\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{Digest.Compute(layer1)}\",\"{Digest.Compute(layer2)}\"]}}," +
            "\"history\":[{\"created_by\":\"ADD rootfs\"},{\"created_by\":\"ENV PATH=/bin\",\"empty_layer\":true},{\"created_by\":\"COPY run\"}]}");
        var manifest = Encoding.UTF8.GetBytes(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," +
            $"\"config\":{{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"{Digest.Compute(config)}\",\"size\":{config.Length}}}," +
            $"\"layers\":[{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"{Digest.Compute(gz1)}\",\"size\":{gz1.Length}}}," +
            $"{{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"{Digest.Compute(layer2)}\",\"size\":{layer2.Length}}}]}}");
        var manifestDigest = Digest.Compute(manifest);
        var index = Encoding.UTF8.GetBytes(
            "{\"schemaVersion\":2,\"manifests\":[" +
            $"{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{manifestDigest}\",\"size\":{manifest.Length}," +
            "\"annotations\":{\"io.containerd.image.name\":\"registry.local:5000/team/tool:2.0\",\"org.opencontainers.image.ref.name\":\"2.0\"}}," +
            $"{{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"{manifestDigest}\",\"size\":{manifest.Length}," +
            "\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}}]}");
        var archive = MakeArchive(
        [
            ("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray()),
            ("index.json", index),
            ($"blobs/sha256/{Digest.Compute(config).Hex}", config),
            ($"blobs/sha256/{manifestDigest.Hex}", manifest),
            ($"blobs/sha256/{Digest.Compute(gz1).Hex}", gz1),
            ($"blobs/sha256/{Digest.Compute(layer2).Hex}", layer2),
        ]);

        var lines = await Load(Service, Gzip(archive));

        Assert.Equal(["Loaded image: registry.local:5000/team/tool:2.0"], lines);
        var image = Service.Resolve("registry.local:5000/team/tool:2.0");
        Assert.Equal(Digest.Compute(config), image.Id);
        Assert.Equal(ChainIds.ComputeAll([Digest.Compute(layer1), Digest.Compute(layer2)])[^1], image.ChainId);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 11, 12, 123, TimeSpan.Zero).AddTicks(4567), image.Config.Created);

        // History: newest first, the ID on the top row only, layer sizes on non-empty rows.
        var history = Service.History("registry.local:5000/team/tool:2.0");
        Assert.Equal(["COPY run", "ENV PATH=/bin", "ADD rootfs"], history.Select(h => h.CreatedBy));
        Assert.Equal([image.Id.ToString(), "<missing>", "<missing>"], history.Select(h => h.Id));
        Assert.Equal([10L, 0L, 8L], history.Select(h => h.Size));
        Assert.Equal(["registry.local:5000/team/tool:2.0"], history[0].Tags);
        Assert.Empty(history[1].Tags);

        // Saved again as docker-archive, the gzip layer comes out as its exact uncompressed tar.
        var saved = ReadArchive(await Save(Service, "registry.local:5000/team/tool:2.0"));
        Assert.Contains(saved.Values, v => v.AsSpan().SequenceEqual(layer1));
    }

    [Fact]
    public async Task LayersSharedThroughSymlinksLoad()
    {
        // docker 20.10 save writes a repeated layer once and links to it.
        var layer = MakeTar(("x", "1"));
        var diff = Digest.Compute(layer).ToString();
        var config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{diff}\",\"{diff}\"]}}}}");
        var manifest = Encoding.UTF8.GetBytes($"[{{\"Config\":\"c.json\",\"RepoTags\":[\"twice:latest\"],\"Layers\":[\"l1/layer.tar\",\"l2/layer.tar\"]}}]");
        var archive = MakeArchive([("c.json", config), ("l1/layer.tar", layer), ("manifest.json", manifest)], [("l2/layer.tar", "../l1/layer.tar")]);

        Assert.Equal(["Loaded image: twice:latest"], await Load(Service, archive));
        Assert.Equal(2, Layers.Layers.Count);
    }

    [Theory]
    [InlineData("../escape.json")]
    [InlineData("a/../../escape.json")]
    public async Task PathsOutsideTheArchiveAreRefused(string name)
    {
        var archive = MakeArchive([(name, "{}"u8.ToArray()), ("manifest.json", "[]"u8.ToArray())]);
        await Assert.ThrowsAsync<InvalidParameterException>(() => Load(Service, archive));
        Assert.False(File.Exists(Path.Combine(Root, "a", "image", "escape.json")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Root, "a", "image", "tmp")));
    }

    [Fact]
    public async Task SymlinkEscapesAndGarbageAreRefused()
    {
        var escaping = MakeArchive([("manifest.json", "[{\"Config\":\"c.json\",\"Layers\":[]}]"u8.ToArray())], [("c.json", "/../../../etc/passwd")]);
        await Assert.ThrowsAsync<InvalidParameterException>(() => Load(Service, escaping));
        await Assert.ThrowsAsync<InvalidParameterException>(() => Load(Service, MakeArchive([("hello", "x"u8.ToArray())])));
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        await Assert.ThrowsAsync<InvalidParameterException>(() => Load(Service, garbage));
        await Assert.ThrowsAsync<InvalidParameterException>(() => Load(Service, MakeArchive([("manifest.json", "{not json"u8.ToArray())])));
        Assert.Empty(Service.List());
    }

    [Fact]
    public async Task TruncatedArchiveIsAnUnexpectedEof()
    {
        await ImportAsync(Service, MakeTar(("a", new string('a', 20_000))), "app:v1");
        var archive = await Save(Service, "app:v1");
        var fresh = NewDaemon("fresh");
        // Cut inside a file: the tar reader runs out of bytes (was a 500: IO_EOF_ReadBeyondEOF).
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() => Load(fresh.Service, archive[..(archive.Length / 2)]));
        Assert.Equal("invalid archive: unexpected EOF", error.Message);
        Assert.Empty(fresh.Service.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Root, "fresh", "image", "tmp")));
    }

    // Explicit nulls where the loader expects values were 500s (NullReferenceException).
    [Theory]
    [InlineData("manifest.json", "[null]", "manifest.json: every entry needs a Config and a list of Layers")]
    [InlineData("manifest.json", """[{"Config":null}]""", "manifest.json: every entry needs a Config and a list of Layers")]
    [InlineData("manifest.json", """[{"Config":"c.json","RepoTags":null,"Layers":null}]""", "manifest.json: every entry needs a Config and a list of Layers")]
    [InlineData("manifest.json", """[{"Config":"c.json","RepoTags":[null],"Layers":[]}]""", "manifest.json: every entry needs a Config and a list of Layers")]
    [InlineData("manifest.json", """[{"Config":"c.json","Layers":[]}]""", "invalid image config: rootfs.diff_ids is missing")]
    [InlineData("index.json", """{"manifests":null}""", "index.json: every manifest needs a digest")]
    [InlineData("index.json", """{"manifests":[null]}""", "index.json: every manifest needs a digest")]
    [InlineData("index.json", """{"manifests":[{"digest":null}]}""", "index.json: every manifest needs a digest")]
    public async Task NullsInTheArchivesDocumentsAreRefused(string document, string json, string message)
    {
        var archive = MakeArchive([(document, Encoding.UTF8.GetBytes(json)), ("c.json", """{"rootfs":null}"""u8.ToArray())]);
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() => Load(Service, archive));
        Assert.EndsWith(message, error.Message);
        Assert.Empty(Service.List());
    }
}
