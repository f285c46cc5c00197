using Xunit;
using System.Text;
using Berth.Core.Shim;

namespace Berth.Engine.Tests.Shim;

/// <summary>Reads an attach stream to its end: demultiplexes docker frames, or takes raw bytes (TTY).</summary>
internal static class AttachReader
{
    public static async Task<(string Stdout, string Stderr)> ReadFramesAsync(Stream stream, CancellationToken cancellationToken)
    {
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var header = new byte[StdFrame.HeaderSize];
        while (await ReadExactlyOrEndAsync(stream, header, cancellationToken))
        {
            Assert.True(StdFrame.TryReadHeader(header, out var kind, out var length), "bad frame header");
            var payload = new byte[length];
            Assert.True(await ReadExactlyOrEndAsync(stream, payload, cancellationToken), "truncated frame");
            (kind == StdFrame.Stdout ? stdout : stderr).Write(payload);
        }
        return (Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    public static async Task<string> ReadRawAsync(Stream stream, CancellationToken cancellationToken)
    {
        var all = new MemoryStream();
        await stream.CopyToAsync(all, cancellationToken);
        return Encoding.UTF8.GetString(all.ToArray());
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                Assert.True(read == 0 || buffer.Length == 0, "stream ended inside a frame");
                return false;
            }
            read += n;
        }
        return true;
    }
}
