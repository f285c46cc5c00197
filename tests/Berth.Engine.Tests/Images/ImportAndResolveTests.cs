using System.Text.Json;
using Berth.Core.Digests;
using Berth.Core.Errors;
using Berth.Engine.Images;
using Xunit;

namespace Berth.Engine.Tests.Images;

public sealed class ImportAndResolveTests : ImageTestBase
{
    [Fact]
    public async Task ImportMakesOneLayerImageWithDockersConfig()
    {
        var tar = MakeTar(("etc/hostname", "berth\n"), ("bin/app", "#!/bin/sh\n"));
        var image = await ImportAsync(Service, tar, "example/app:v1");

        var diffId = Digest.Compute(tar);
        Assert.Equal([diffId.ToString()], image.Config.RootFs.DiffIds);
        Assert.Equal("layers", image.Config.RootFs.Type);
        Assert.Equal("linux", image.Config.Os);
        Assert.Equal(ImagePlatform.HostArchitecture().Architecture, image.Config.Architecture);
        Assert.Equal(diffId, image.ChainId);
        Assert.Equal(["example/app:v1"], image.RepoTags);
        Assert.Empty(image.RepoDigests);
        Assert.Equal(16, image.Size);
        var history = Assert.Single(image.Config.History!);
        Assert.Equal("Imported from -", history.Comment);
        Assert.Null(history.CreatedBy);
        Assert.True(DateTimeOffset.UtcNow - image.Config.Created!.Value < TimeSpan.FromMinutes(1));

        // The ID is the digest of the stored bytes, which keep docker's JSON shape.
        var bytes = await Content.ReadAllAsync(image.Id, CancellationToken.None);
        Assert.Equal(image.Id, Digest.Compute(bytes));
        using var json = JsonDocument.Parse(bytes);
        var config = json.RootElement.GetProperty("config");
        Assert.Equal(JsonValueKind.Null, config.GetProperty("Env").ValueKind);
        Assert.Equal(JsonValueKind.Null, config.GetProperty("Cmd").ValueKind);
        Assert.False(config.TryGetProperty("ExposedPorts", out _));
        Assert.Equal(diffId.ToString(), json.RootElement.GetProperty("rootfs").GetProperty("diff_ids")[0].GetString());
        Assert.EndsWith("Z", json.RootElement.GetProperty("created").GetString());

        var row = Assert.Single(Service.History("example/app:v1"));
        Assert.Equal((image.Id.ToString(), "", "Imported from -", 16L), (row.Id, row.CreatedBy, row.Comment, row.Size));
        Assert.Equal(["example/app:v1"], row.Tags);

        // The exact layer tar is kept for save.
        Assert.Equal(tar, await Content.ReadAllAsync(diffId, CancellationToken.None));
    }

    [Fact]
    public async Task CompressedImportHasTheUncompressedDiffIdAndChangesApply()
    {
        var tar = MakeTar(("a", "1"));
        var image = await Service.ImportAsync(new MemoryStream(Gzip(tar)),
            new ImportOptions(["ENV A=1", "CMD [\"/a\"]"], "my message", null, "linux/arm64"), CancellationToken.None);

        Assert.Equal([Digest.Compute(tar).ToString()], image.Config.RootFs.DiffIds);
        Assert.Equal(["A=1"], image.Config.Config!.Env!);
        Assert.Equal(["/a"], image.Config.Config.Cmd!);
        Assert.Equal("arm64", image.Config.Architecture);
        Assert.Equal("my message", image.Config.History![0].Comment);
        Assert.Empty(image.RepoTags);
        Assert.Contains(Service.List(), i => i.Id == image.Id);
    }

    [Fact]
    public async Task BadImportsLeaveNothing()
    {
        await Assert.ThrowsAsync<InvalidParameterException>(() => ImportAsync(Service, MakeTar(("a", "1")), "x", "RUN true"));
        await Assert.ThrowsAsync<InvalidParameterException>(() => ImportAsync(Service, MakeTar(("a", "1")), "Bad:Name"));
        await Assert.ThrowsAnyAsync<Exception>(() => ImportAsync(Service, new byte[1000].Select(_ => (byte)'x').ToArray(), "x"));
        Assert.Empty(Service.List());
        Assert.Empty(Content.List());
    }

    [Fact]
    public async Task ResolveByNameIdAndPrefix()
    {
        var image = await ImportAsync(Service, MakeTar(("a", "1")), "busybox");
        var hex = image.Id.Hex;

        Assert.Equal(image.Id, Service.Resolve("busybox").Id);
        Assert.Equal(image.Id, Service.Resolve("busybox:latest").Id);
        Assert.Equal(image.Id, Service.Resolve("docker.io/library/busybox:latest").Id);
        Assert.Equal(image.Id, Service.Resolve(hex).Id);
        Assert.Equal(image.Id, Service.Resolve("sha256:" + hex).Id);
        Assert.Equal(image.Id, Service.Resolve(hex[..12]).Id);
        Assert.Equal(image.Id, Service.Resolve(hex[..1]).Id);
        Assert.Equal(image.Id, Service.Resolve("sha256:" + hex[..5]).Id);

        Assert.Equal("No such image: busybox:1.0", Assert.Throws<NotFoundException>(() => Service.Resolve("busybox:1.0")).Message);
        Assert.Equal("No such image: nothing:latest", Assert.Throws<NotFoundException>(() => Service.Resolve("nothing")).Message);
        Assert.Equal("No such image: sha256:" + new string('0', 64), Assert.Throws<NotFoundException>(() => Service.Resolve(new string('0', 64))).Message);
        var otherHex = hex[0] == '0' ? "1" + hex[1..] : "0" + hex[1..];
        Assert.Throws<NotFoundException>(() => Service.Resolve(otherHex));
        Assert.Throws<InvalidParameterException>(() => Service.Resolve("UPPER"));
        Assert.Null(Service.TryResolve("UPPER"));
        Assert.Null(Service.TryResolve("nothing"));
    }

    [Fact]
    public async Task AmbiguousPrefixResolvesToNothing()
    {
        // 17 images: two must share their first hex digit.
        var ids = new List<Digest>();
        for (var i = 0; i < 17; i++) ids.Add((await ImportAsync(Service, MakeTar(("f", i.ToString())))).Id);
        var shared = ids.GroupBy(id => id.Hex[0]).First(g => g.Count() > 1).Key.ToString();

        Assert.Equal($"No such image: {shared}:latest", Assert.Throws<NotFoundException>(() => Service.Resolve(shared)).Message);
        foreach (var id in ids) Assert.Equal(id, Service.Resolve(id.Hex[..20]).Id);
    }

    [Fact]
    public async Task TagErrorsAndListOrder()
    {
        var first = await ImportAsync(Service, MakeTar(("a", "1")), "first");
        await Service.TagAsync("first", "localhost:5000/team/app", "v2", CancellationToken.None);
        await Service.TagAsync(first.Id.Hex[..8], "zz:latest", null, CancellationToken.None);

        Assert.Equal(["first:latest", "localhost:5000/team/app:v2", "zz:latest"], Service.Resolve("first").RepoTags);
        Assert.Equal("No such image: missing:latest",
            (await Assert.ThrowsAsync<NotFoundException>(() => Service.TagAsync("missing", "x", null, CancellationToken.None))).Message);
        Assert.Equal("invalid reference format",
            (await Assert.ThrowsAsync<InvalidParameterException>(() => Service.TagAsync("first", "bad//name", null, CancellationToken.None))).Message);
        Assert.Equal("invalid tag format",
            (await Assert.ThrowsAsync<InvalidParameterException>(() => Service.TagAsync("first", "x", "-bad", CancellationToken.None))).Message);
        // The new name is checked before the source, like docker.
        await Assert.ThrowsAsync<InvalidParameterException>(() => Service.TagAsync("missing", "bad//name", null, CancellationToken.None));

        // Moving a tag leaves the old image dangling; newest first in the list.
        var second = await ImportAsync(Service, MakeTar(("b", "2")));
        await Service.TagAsync(second.Id.ToString(), "zz", null, CancellationToken.None);
        Assert.Equal(["first:latest", "localhost:5000/team/app:v2"], Service.Resolve(first.Id.ToString()).RepoTags);
        Assert.Equal(["zz:latest"], Service.Resolve("zz").RepoTags);
        Assert.Equal([second.Id, first.Id], Service.List().Select(i => i.Id));
    }
}
