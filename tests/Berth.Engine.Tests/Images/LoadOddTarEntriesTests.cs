using System.Diagnostics;
using Berth.Core.Errors;
using Xunit;

namespace Berth.Engine.Tests.Images;

/// <summary>
/// docker load of a tarball holding entries TarReader will not read: an old GNU sparse file
/// (type 'S') was a 500 with .NET's text, a PAX 0.0 sparse file a vague "not a valid tar".
/// </summary>
public sealed class LoadOddTarEntriesTests : ImageTestBase
{
    private byte[] GnuTarOfASparseFile(params string[] options)
    {
        var dir = Path.Combine(Root, "src");
        Directory.CreateDirectory(dir);
        using (var file = new FileStream(Path.Combine(dir, "manifest.json"), FileMode.Create))
        {
            file.SetLength(4 * 1024 * 1024);
            file.Position = 1024 * 1024;
            file.Write("[]"u8);
        }
        var start = new ProcessStartInfo("tar") { RedirectStandardOutput = true };
        foreach (var arg in options.Concat(["-cf", "-", "-C", dir, "manifest.json"])) start.ArgumentList.Add(arg);
        using var tar = Process.Start(start)!;
        var output = new MemoryStream();
        tar.StandardOutput.BaseStream.CopyTo(output);
        tar.WaitForExit();
        Assert.Equal(0, tar.ExitCode);
        return output.ToArray();
    }

    [Fact]
    public async Task AnOldGnuSparseEntryIsABadRequestNamingIt()
    {
        var archive = GnuTarOfASparseFile("--sparse", "--format=gnu");
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() => Service.LoadAsync(new MemoryStream(archive), CancellationToken.None));
        Assert.Contains("old GNU sparse file (tar type 'S')", error.Message);
        Assert.DoesNotContain(Root, error.Message);
        Assert.Empty(Service.List());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(Root, "a", "image", "tmp")));
    }

    [Fact]
    public async Task APax00SparseEntryIsABadRequestNamingIt()
    {
        var archive = GnuTarOfASparseFile("--sparse", "--sparse-version=0.0", "--format=posix");
        var error = await Assert.ThrowsAsync<InvalidParameterException>(() => Service.LoadAsync(new MemoryStream(archive), CancellationToken.None));
        Assert.Contains("GNU sparse format 0.0", error.Message);
        Assert.Empty(Service.List());
    }
}
