using Xunit;

namespace Berth.Engine.Tests.Images;

public sealed class CreateTests : ImageTestBase
{
    [Fact]
    public async Task LayersThenConfigMakeANamedImage()
    {
        var tar = MakeTar(("x", "1"));
        var layer = await Service.AddLayerAsync(null, new MemoryStream(Gzip(tar)), null, CancellationToken.None);
        var config = System.Text.Encoding.UTF8.GetBytes($"{{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{layer.DiffId}\"]}}}}");
        var digestName = Berth.Core.References.ImageReference.Parse("busybox@sha256:" + new string('a', 64));

        var image = await Service.CreateAsync(config, [], [Berth.Core.References.ImageReference.Parse("busybox"), digestName], CancellationToken.None);

        Assert.Equal(Berth.Core.Digests.Digest.Compute(config), image.Id);
        Assert.Equal(["busybox:latest"], image.RepoTags);
        Assert.Equal(["busybox@sha256:" + new string('a', 64)], image.RepoDigests);
        Assert.Equal(image.Id, Service.Resolve("busybox@sha256:" + new string('a', 64)).Id);

        var missing = System.Text.Encoding.UTF8.GetBytes($"{{\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"sha256:{new string('b', 64)}\"]}}}}");
        await Assert.ThrowsAsync<Berth.Core.Errors.InvalidParameterException>(() => Service.CreateAsync(missing, [], [], CancellationToken.None));
        Assert.Single(Service.List());

        // Untagging the last tag of the repository drops its digest names too (docker's rule).
        var removed = await Service.RemoveAsync("busybox", false, false, CancellationToken.None);
        Assert.Equal(["busybox:latest", "busybox@sha256:" + new string('a', 64)], removed.Where(r => r.Untagged is not null).Select(r => r.Untagged!));
        Assert.Contains(removed, r => r.Deleted == image.Id.ToString());
    }
}
