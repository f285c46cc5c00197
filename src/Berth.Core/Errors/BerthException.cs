namespace Berth.Core.Errors;

/// <summary>
/// What kind of failure an error is, in the domain's terms (moby's errdefs). Services throw
/// <see cref="BerthException"/>s of a kind; only the API layer decides what each kind is on
/// the wire (berthd's HttpStatus), so the services never name an HTTP code.
/// </summary>
public enum ErrorKind
{
    /// <summary>The request itself is wrong (a bad value, a missing field, an unknown option).</summary>
    InvalidParameter,
    /// <summary>The named object does not exist.</summary>
    NotFound,
    /// <summary>The object's state forbids the operation (name in use, container running…).</summary>
    Conflict,
    /// <summary>Nothing to do: the object is already in the asked state (already started, stopped).</summary>
    NotModified,
    /// <summary>Credentials are missing or wrong (a registry refused them).</summary>
    Unauthorized,
    /// <summary>This daemon does not implement the operation for the object (logs of the "none" driver).</summary>
    NotImplemented,
    /// <summary>The daemon or something it depends on (runtime, registry, disk) failed; the message is for the user.</summary>
    System,
}

/// <summary>An error of a known <see cref="ErrorKind"/> whose message is meant for the client.</summary>
public abstract class BerthException(string message, Exception? inner = null) : Exception(message, inner)
{
    public abstract ErrorKind Kind { get; }
}

public sealed class InvalidParameterException(string message, Exception? inner = null) : BerthException(message, inner)
{
    public override ErrorKind Kind => ErrorKind.InvalidParameter;
}

public sealed class NotFoundException(string message) : BerthException(message)
{
    public override ErrorKind Kind => ErrorKind.NotFound;
}

public sealed class ConflictException(string message) : BerthException(message)
{
    public override ErrorKind Kind => ErrorKind.Conflict;
}

public sealed class NotModifiedException(string message) : BerthException(message)
{
    public override ErrorKind Kind => ErrorKind.NotModified;
}

public sealed class UnauthorizedException(string message) : BerthException(message)
{
    public override ErrorKind Kind => ErrorKind.Unauthorized;
}

/// <summary>Named so as not to shadow .NET's <see cref="System.NotImplementedException"/>.</summary>
public sealed class UnsupportedOperationException(string message) : BerthException(message)
{
    public override ErrorKind Kind => ErrorKind.NotImplemented;
}

/// <summary>Named so as not to shadow .NET's <see cref="System.SystemException"/>.</summary>
public sealed class SystemFailureException(string message, Exception? inner = null) : BerthException(message, inner)
{
    public override ErrorKind Kind => ErrorKind.System;
}
