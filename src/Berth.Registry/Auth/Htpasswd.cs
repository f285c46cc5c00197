using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Berth.Registry.Auth;

/// <summary>
/// Users from an htpasswd file (<c>htpasswd -B</c>): <c>user:$2y$…</c> lines. Like distribution,
/// only bcrypt hashes ($2a$, $2b$, $2y$) are accepted; other lines are reported and skipped.
/// The file is re-read when its modification time changes, so users can be added without a restart.
/// </summary>
public sealed class Htpasswd
{
    // A bcrypt hash of a random password: unknown users still cost one bcrypt, so response time
    // does not tell which user names exist.
    private static readonly string DummyHash = BCrypt.Net.BCrypt.HashPassword(Guid.NewGuid().ToString(), 10);

    private readonly string _path;
    private readonly Action<string> _warn;
    private readonly Lock _lock = new();
    private Dictionary<string, string> _users = new(StringComparer.Ordinal);
    private DateTime _loadedStamp;

    // bcrypt is deliberately slow (tens of ms) and docker sends Basic credentials on every request,
    // so a verified (user, SHA-256 of password, hash) is remembered until the file changes.
    private readonly ConcurrentDictionary<string, string> _verified = new(StringComparer.Ordinal);

    public Htpasswd(string path, Action<string> warn)
    {
        _path = path;
        _warn = warn;
        Reload();
    }

    /// <summary>Parses the file; throws <see cref="FormatException"/> naming the line for malformed content.</summary>
    public static Dictionary<string, string> Parse(string text, Action<string> warn)
    {
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var colon = line.IndexOf(':');
            if (colon <= 0) throw new FormatException($"line {number}: expected USER:HASH");
            var (user, hash) = (line[..colon], line[(colon + 1)..]);
            if (!hash.StartsWith("$2a$", StringComparison.Ordinal) && !hash.StartsWith("$2b$", StringComparison.Ordinal)
                && !hash.StartsWith("$2y$", StringComparison.Ordinal))
            {
                warn($"htpasswd line {number}: user \"{user}\" is not bcrypt-hashed (use htpasswd -B); ignored");
                continue;
            }
            users[user] = hash;
        }
        return users;
    }

    public bool Verify(string user, string password)
    {
        ReloadIfChanged();
        string? hash;
        lock (_lock) _users.TryGetValue(user, out hash);
        if (hash is null)
        {
            BCrypt.Net.BCrypt.Verify(password, DummyHash);
            return false;
        }
        var key = user + "\n" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(password)));
        if (_verified.TryGetValue(key, out var known) && known == hash) return true;
        bool ok;
        try
        {
            ok = BCrypt.Net.BCrypt.Verify(password, hash);
        }
        catch (BCrypt.Net.SaltParseException)
        {
            ok = false;
        }
        if (ok) _verified[key] = hash;
        return ok;
    }

    private void ReloadIfChanged()
    {
        DateTime stamp;
        try { stamp = File.GetLastWriteTimeUtc(_path); } catch (IOException) { return; }
        if (stamp == _loadedStamp) return;
        try
        {
            Reload();
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
        {
            // Keep serving the users we had: a half-written file must not lock everyone out.
            _warn($"htpasswd {_path}: {e.Message}; keeping the previous users");
            _loadedStamp = stamp;
        }
    }

    private void Reload()
    {
        var stamp = File.GetLastWriteTimeUtc(_path);
        var users = Parse(File.ReadAllText(_path), _warn);
        lock (_lock)
        {
            _users = users;
            _loadedStamp = stamp;
        }
        _verified.Clear();
    }
}
