using System.Globalization;
using System.Text.Json;
using Berth.Core.Interop;

namespace Berth.Engine.Containers;

/// <summary>One log record of the json-file log.</summary>
/// <param name="Stream">1 for stdout, 2 for stderr; 0 marks "caught up with the file" (flush now).</param>
public readonly record struct LogEntry(byte Stream, DateTimeOffset Time, byte[] Line)
{
    public static LogEntry CaughtUp => new(0, default, []);

    public bool IsCaughtUp => Stream == 0;
}

/// <summary>Options of GET /containers/{id}/logs.</summary>
public sealed record LogOptions(bool Stdout, bool Stderr, bool Follow, int Tail, DateTimeOffset? Since, DateTimeOffset? Until);

/// <summary>
/// Reads docker's json-file log that the shim writes: one JSON object per line with
/// "log", "stream" and "time". Follow polls for growth until the container stops.
/// </summary>
public static class ContainerLogs
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The entries of the log at <paramref name="path"/> and of its rotated files (PATH.N …
    /// PATH.1, oldest first) that <paramref name="options"/> select; with Follow, then the new
    /// ones as they are written — across rotations, by noticing that PATH is a new file — until
    /// the container has stopped and everything is read.
    /// </summary>
    public static async IAsyncEnumerable<LogEntry> ReadAsync(
        string path, LogOptions options, Func<bool> isRunning,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var files = FilesOldestFirst(path);
        var (first, offset) = options.Tail >= 0 ? TailStart(files, options.Tail) : (0, 0L);
        FileStream file;
        try { file = OpenShared(files[first]); }
        catch (FileNotFoundException) { (file, offset) = (OpenShared(path), 0); } // rotated away meanwhile
        try
        {
            file.Position = offset;
            var reader = new LineReader(file);
            while (true)
            {
                while (reader.TryReadLine(out var line))
                {
                    var verdict = Select(line, options, out var entry);
                    if (verdict == Verdict.Stop) yield break;
                    if (verdict == Verdict.Take) yield return entry;
                }
                if (Rotated(file, path))
                {
                    // A rotated file (or one the writer has just rotated) is read to its end:
                    // go on with the file written after it, up to PATH.
                    var next = NextFile(path, Inode(file));
                    await file.DisposeAsync();
                    file = OpenShared(next);
                    reader = new LineReader(file);
                    continue;
                }
                if (!options.Follow) yield break;
                if (file.Length < file.Position)
                {
                    // Truncated in place (max-file 1): the writer started over.
                    file.Position = 0;
                    reader = new LineReader(file);
                    continue;
                }
                yield return LogEntry.CaughtUp;
                // Read once more after the container stopped: the shim flushes before it reports the exit.
                var running = isRunning();
                await Task.Delay(PollInterval, cancellationToken);
                if (!running && !reader.HasMoreData() && !Rotated(file, path)) yield break;
            }
        }
        finally
        {
            await file.DisposeAsync();
        }
    }

    private enum Verdict { Skip, Take, Stop }

    private static Verdict Select(ReadOnlySpan<byte> line, LogOptions options, out LogEntry entry)
    {
        if (!TryParse(line, out entry)) return Verdict.Skip;
        if (options.Since is { } since && entry.Time < since) return Verdict.Skip;
        if (options.Until is { } until && entry.Time > until) return Verdict.Stop;
        if (entry.Stream == 1 && !options.Stdout) return Verdict.Skip;
        if (entry.Stream == 2 && !options.Stderr) return Verdict.Skip;
        return Verdict.Take;
    }

    private static FileStream OpenShared(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 64 * 1024, useAsync: false);

    /// <summary>PATH's rotated files that exist, oldest (highest number) first, then PATH.</summary>
    private static List<string> FilesOldestFirst(string path)
    {
        var rotated = new List<(int Number, string Path)>();
        var dir = Path.GetDirectoryName(path)!;
        var prefix = Path.GetFileName(path) + ".";
        if (Directory.Exists(dir))
            foreach (var candidate in Directory.EnumerateFiles(dir, prefix + "*"))
            {
                // The pattern also matches PATH itself (".*" may match no extension at all).
                var name = Path.GetFileName(candidate);
                if (name.Length > prefix.Length && name.StartsWith(prefix, StringComparison.Ordinal)
                    && int.TryParse(name.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0)
                    rotated.Add((number, candidate));
            }
        return [.. rotated.OrderByDescending(r => r.Number).Select(r => r.Path), path];
    }

    /// <summary>Whether PATH is no longer the file we hold open (the writer rotated it).</summary>
    private static bool Rotated(FileStream file, string path) =>
        Inode(file) is { } held && Inode(path) is { } current && held != current;

    /// <summary>
    /// The file written after the one with inode <paramref name="held"/>: the next newer rotated
    /// file, or PATH. When ours is gone (rotated past max-file), the oldest that is left.
    /// </summary>
    private static string NextFile(string path, ulong? held)
    {
        var files = FilesOldestFirst(path);
        for (var i = 0; i < files.Count - 1; i++)
            if (Inode(files[i]) == held) return files[i + 1];
        return files[0];
    }

    private static ulong? Inode(string path) =>
        Libc.StatX(Libc.At.FdCwd, path, 0, Libc.StatxBasicStats, out var stat) == 0 ? stat.Ino : null;

    private static ulong? Inode(FileStream file) =>
        Libc.StatX((int)file.SafeFileHandle.DangerousGetHandle(), "", Libc.At.EmptyPath, Libc.StatxBasicStats, out var stat) == 0 ? stat.Ino : null;

    /// <summary>Where the last <paramref name="lines"/> lines start: (index into <paramref name="files"/>, offset).</summary>
    private static (int File, long Offset) TailStart(List<string> files, int lines)
    {
        var wanted = lines;
        for (var i = files.Count - 1; i >= 0; i--)
        {
            FileStream file;
            try { file = OpenShared(files[i]); }
            catch (FileNotFoundException) { continue; }
            using (file)
            {
                if (wanted == 0) return (i, file.Length);
                var (offset, found) = TailOffset(file, wanted);
                if (found >= wanted) return (i, offset);
                wanted -= found;
            }
        }
        return (0, 0);
    }

    /// <summary>
    /// Offset of the start of the last <paramref name="lines"/> lines of <paramref name="file"/>,
    /// and how many lines it has from there (fewer than asked when the file is shorter: offset 0).
    /// </summary>
    private static (long Offset, int Found) TailOffset(FileStream file, int lines)
    {
        var length = file.Length;
        if (length == 0) return (0, 0);
        var buffer = new byte[64 * 1024];
        var position = length;
        var seen = 0;
        while (position > 0)
        {
            var chunk = (int)Math.Min(buffer.Length, position);
            position -= chunk;
            file.Position = position;
            file.ReadExactly(buffer, 0, chunk);
            for (var i = chunk - 1; i >= 0; i--)
            {
                if (buffer[i] != (byte)'\n' || position + i == length - 1) continue;
                if (++seen == lines) return (position + i + 1, lines);
            }
        }
        return (0, seen + 1);
    }

    private static bool TryParse(ReadOnlySpan<byte> line, out LogEntry entry)
    {
        entry = default;
        var reader = new Utf8JsonReader(line);
        byte stream = 1;
        string? text = null;
        DateTimeOffset time = default;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("log"u8)) { reader.Read(); text = reader.GetString(); }
                else if (reader.ValueTextEquals("stream"u8)) { reader.Read(); stream = reader.ValueTextEquals("stderr"u8) ? (byte)2 : (byte)1; }
                else if (reader.ValueTextEquals("time"u8)) { reader.Read(); time = reader.GetDateTimeOffset(); }
                else { reader.Read(); reader.Skip(); }
            }
        }
        catch (JsonException)
        {
            return false;
        }
        if (text is null) return false;
        entry = new LogEntry(stream, time, System.Text.Encoding.UTF8.GetBytes(text));
        return true;
    }

    /// <summary>Splits a growing file into complete lines; a partial last line waits for more data.</summary>
    private sealed class LineReader(FileStream file)
    {
        private byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public bool HasMoreData() => file.Length > file.Position || _end > _start;

        public bool TryReadLine(out ReadOnlySpan<byte> line)
        {
            while (true)
            {
                var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
                if (newline >= 0)
                {
                    line = _buffer.AsSpan(_start, newline);
                    _start += newline + 1;
                    return true;
                }
                if (!Fill())
                {
                    line = default;
                    return false;
                }
            }
        }

        private bool Fill()
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
            var read = file.Read(_buffer, _end, _buffer.Length - _end);
            _end += read;
            return read > 0;
        }
    }
}
