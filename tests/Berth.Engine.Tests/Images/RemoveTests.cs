using Berth.Core.Errors;
using Berth.Engine.Images;
using Xunit;

namespace Berth.Engine.Tests.Images;

public sealed class RemoveTests : ImageTestBase
{
    private static string Lines(IEnumerable<ImageDeleteEntry> entries) =>
        string.Join("\n", entries.Select(e => e.Untagged is not null ? "Untagged: " + e.Untagged : "Deleted: " + e.Deleted));

    private Task<IReadOnlyList<ImageDeleteEntry>> Rmi(string name, bool force = false) =>
        Service.RemoveAsync(name, force, noPrune: false, CancellationToken.None);

    [Fact]
    public async Task RmiByNameUntagsThenDeletesWithTheLastName()
    {
        var image = await ImportAsync(Service, MakeTar(("a", "1")), "busybox");
        await Service.TagAsync("busybox", "other", "v1", CancellationToken.None);

        Assert.Equal("Untagged: busybox:latest", Lines(await Rmi("busybox")));
        Assert.Equal(["other:v1"], Service.Resolve(image.Id.ToString()).RepoTags);

        var chain = image.ChainId!.Value;
        Assert.Equal($"Untagged: other:v1\nDeleted: {image.Id}\nDeleted: {chain}", Lines(await Rmi("other:v1")));
        Assert.Empty(Service.List());
        Assert.Null(Layers.Get(chain));
        Assert.Empty(Content.List()); // config and layer tar gone
        await Assert.ThrowsAsync<NotFoundException>(() => Rmi("busybox"));
    }

    [Fact]
    public async Task RmiByIdWithSeveralRepositoriesNeedsForce()
    {
        var image = await ImportAsync(Service, MakeTar(("a", "1")), "one");
        await Service.TagAsync("one", "two", null, CancellationToken.None);

        var conflict = await Assert.ThrowsAsync<ConflictException>(() => Rmi(image.Id.Hex[..12]));
        Assert.Equal($"conflict: unable to delete {image.Id.Short} (must be forced) - image is referenced in multiple repositories", conflict.Message);

        Assert.Equal($"Untagged: one:latest\nUntagged: two:latest\nDeleted: {image.Id}\nDeleted: {image.ChainId}", Lines(await Rmi(image.Id.Hex[..12], force: true)));
        Assert.Empty(Service.List());
    }

    [Fact]
    public async Task RmiByIdWithOneRepositoryUntagsAndDeletes()
    {
        var image = await ImportAsync(Service, MakeTar(("a", "1")), "repo:1");
        await Service.TagAsync("repo:1", "repo", "2", CancellationToken.None);
        // Two tags of one repository are not "a single reference" either (docker's rule).
        await Assert.ThrowsAsync<ConflictException>(() => Rmi(image.Id.ToString()));
        await Rmi("repo:2");
        Assert.Equal($"Untagged: repo:1\nDeleted: {image.Id}\nDeleted: {image.ChainId}", Lines(await Rmi(image.Id.ToString())));
    }

    [Fact]
    public async Task SharedLayersStayUntilTheLastImageGoes()
    {
        var tar = MakeTar(("a", "1"));
        var first = await Service.ImportAsync(new MemoryStream(tar), new ImportOptions([], null, "first", null), CancellationToken.None);
        var second = await Service.ImportAsync(new MemoryStream(tar), new ImportOptions(["ENV X=1"], null, "second", null), CancellationToken.None);
        Assert.Equal(first.ChainId, second.ChainId);

        Assert.Equal($"Untagged: first:latest\nDeleted: {first.Id}", Lines(await Rmi("first")));
        Assert.NotNull(Layers.Get(first.ChainId!.Value));
        Assert.Equal($"Untagged: second:latest\nDeleted: {second.Id}\nDeleted: {second.ChainId}", Lines(await Rmi("second")));
    }

    [Fact]
    public async Task ContainersBlockRemoval()
    {
        var image = await ImportAsync(Service, MakeTar(("a", "1")), "app");
        Usage.Users[image.Id] = [("0123456789abcdef0123", false)];

        var byName = await Assert.ThrowsAsync<ConflictException>(() => Rmi("app"));
        Assert.Equal($"conflict: unable to remove repository reference \"app\" (must force) - container 0123456789ab is using its referenced image {image.Id.Short}", byName.Message);

        await Service.TagAsync("app", "dangling", null, CancellationToken.None);
        await Rmi("dangling"); // another name remains: untag is fine
        var byId = await Assert.ThrowsAsync<ConflictException>(() => Rmi(image.Id.ToString()));
        Assert.Equal($"conflict: unable to delete {image.Id.Short} (must be forced) - image is being used by stopped container 0123456789ab", byId.Message);

        // Running: even force does not delete; by name, force only untags.
        Usage.Users[image.Id] = [("fedcba9876543210", true)];
        var running = await Assert.ThrowsAsync<ConflictException>(() => Rmi(image.Id.ToString(), force: true));
        Assert.Equal($"conflict: unable to delete {image.Id.Short} (cannot be forced) - image is being used by running container fedcba987654", running.Message);
        Assert.Equal("Untagged: app:latest", Lines(await Rmi("app", force: true)));
        Assert.Empty(Service.Resolve(image.Id.ToString()).RepoTags);

        // Stopped and forced: the image goes, the container's layers stay.
        Usage.Users[image.Id] = [("fedcba9876543210", false)];
        Assert.Equal($"Deleted: {image.Id}", Lines(await Rmi(image.Id.ToString(), force: true)));
        Assert.NotNull(Layers.Get(image.ChainId!.Value));
    }
}
