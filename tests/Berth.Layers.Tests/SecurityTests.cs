using System.Formats.Tar;
using Berth.Core.Errors;
using static Berth.Layers.Tests.Tars;

namespace Berth.Layers.Tests;

/// <summary>Hostile archives: each is refused, names the entry, and leaves nothing behind anywhere.</summary>
public sealed class SecurityTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly string _root;
    private readonly string _outside;
    private readonly LayerStore _store;

    public SecurityTests()
    {
        _root = Path.Combine(_temp.Path, "layers");
        _outside = _temp.Sub("outside");
        _store = new LayerStore(_root);
    }

    public void Dispose() => _temp.Dispose();

    private async Task AssertRefused(string entryName, params TarEntry[] entries)
    {
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() =>
            _store.ApplyAsync(null, new MemoryStream(Build(entries)), null, default));
        Assert.Contains($"\"{entryName}\"", error.Message);
        AssertNoLayers(_root);
        Assert.Empty(Directory.GetFileSystemEntries(_outside));
        // Nothing landed next to the store either.
        Assert.Equal(["layers", "outside"], Directory.GetFileSystemEntries(_temp.Path).Select(Path.GetFileName).Order());
    }

    [Fact]
    public Task DotDotIsRefused() => AssertRefused("../x", File("ok", "fine"), File("../x", "escaped"));

    [Fact]
    public Task DotDotInsideIsRefused() => AssertRefused("a/../../x", File("a/../../x", "escaped"));

    [Fact]
    public async Task AbsolutePathIsRefused()
    {
        var name = $"/etc/berth-escape-{Guid.NewGuid():N}";
        await AssertRefused(name, File(name, "escaped"));
        Assert.False(System.IO.File.Exists(name));
    }

    [Fact]
    public Task WritingThroughAnAbsoluteSymlinkIsRefused() =>
        AssertRefused("link/file", Symlink("link", _outside), File("link/file", "escaped"));

    [Fact]
    public Task WritingThroughARelativeSymlinkIsRefused() =>
        AssertRefused("up/outside/file", Symlink("up", "../../.."), File("up/outside/file", "escaped"));

    [Fact]
    public Task DirectoryReplacedBySymlinkIsRefused() =>
        AssertRefused("d/file", Dir("d/"), Symlink("d", _outside), File("d/file", "escaped"));

    [Fact]
    public Task WhiteoutThroughSymlinkIsRefused() =>
        AssertRefused("link/.wh.victim", Symlink("link", _outside), Whiteout("link/.wh.victim"));

    [Fact]
    public async Task HardlinkOutsideIsRefused()
    {
        var links = new FileInfo("/etc/passwd").Exists ? Tars.LStat("/etc/passwd").NLink : 0;
        await AssertRefused("x", HardLink("x", "../../etc/passwd"));
        await AssertRefused("y", HardLink("y", "/etc/passwd"));
        Assert.Equal(links, Tars.LStat("/etc/passwd").NLink);
    }

    [Fact]
    public Task HardlinkThroughSymlinkIsRefused() =>
        AssertRefused("x", Symlink("etc", "/etc"), HardLink("x", "etc/passwd"));

    [Fact]
    public Task HardlinkToLaterEntryIsRefused() =>
        AssertRefused("early", HardLink("early", "late"), File("late", "content"));

    [Fact]
    public async Task SymlinkTargetsAreStoredButNeverFollowed()
    {
        // A symlink pointing outside is fine as data; metadata calls must not touch its target.
        var victim = Path.Combine(_outside, "victim");
        await System.IO.File.WriteAllTextAsync(victim, "untouched", TestContext.Current.CancellationToken);
        var before = Tars.LStat(victim);
        var layer = await _store.ApplyAsync(null, new MemoryStream(Build(Symlink("link", victim, uid: 4242))), null, TestContext.Current.CancellationToken);
        var after = Tars.LStat(victim);
        Assert.Equal((before.Uid, before.Mode, before.MTime.Seconds), (after.Uid, after.Mode, after.MTime.Seconds));
        Assert.Equal(4242u, Tars.LStat(Path.Combine(layer.DiffPath, "link")).Uid);
    }

    [Fact]
    public async Task OverlayXattrsFromTheArchiveAreIgnored()
    {
        var layer = await _store.ApplyAsync(null, new MemoryStream(Build(
            File("f", "x", xattrs: new() { ["trusted.overlay.redirect"] = "/etc" }))), null, TestContext.Current.CancellationToken);
        Assert.Null(Xattr(Path.Combine(layer.DiffPath, "f"), "trusted.overlay.redirect"));
    }
}
