using System;
using System.Globalization;

namespace DateTranslation;

/// <summary>A way of writing a date, e.g. "Mar 3, 1999".</summary>
/// <param name="Name">A pattern-like name, for the per-format report.</param>
/// <param name="Write">Writes a date this way.</param>
public sealed record DateFormat(string Name, Func<DateOnly, string> Write);

/// <summary>
/// The written forms the sample translates. Conventions that make every string unambiguous: numeric dates with
/// slashes are month/day/year (US), with dots or dashes day.month.year; a two-digit year yy is 19yy from 50 to 99 and
/// 20yy from 00 to 49, so the dates run from 1950-01-01 to 2049-12-31.
/// </summary>
public static class DateFormats
{
    /// <summary>The first date of the range.</summary>
    public static readonly DateOnly First = new(1950, 1, 1);

    /// <summary>The last date of the range.</summary>
    public static readonly DateOnly Last = new(2049, 12, 31);

    private static readonly string[] Months =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    private static readonly string[] Days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

    /// <summary>Every format, each drawn equally often.</summary>
    public static readonly DateFormat[] All =
    [
        new("d'th' of MMMM yyyy", d => $"{Ordinal(d.Day)} of {Month(d)} {d.Year}"),            // 3rd of March 1999
        new("the d'th' of MMMM, yyyy", d => $"the {Ordinal(d.Day)} of {Month(d)}, {d.Year}"),   // the 3rd of March, 1999
        new("MMM d, yyyy", d => $"{Mon(d)} {d.Day}, {d.Year}"),                                 // Mar 3, 1999
        new("MMMM d'th', yyyy", d => $"{Month(d)} {Ordinal(d.Day)}, {d.Year}"),                 // March 3rd, 1999
        new("MMMM d yyyy", d => $"{Month(d).ToLowerInvariant()} {d.Day} {d.Year}"),             // march 3 1999
        new("MMM dd yyyy", d => $"{Mon(d)} {d.Day:00} {d.Year}"),                               // Mar 03 1999
        new("d MMMM yyyy", d => $"{d.Day} {Month(d)} {d.Year}"),                                // 3 March 1999
        new("dd MMM yyyy", d => $"{d.Day:00} {Mon(d).ToUpperInvariant()} {d.Year}"),            // 03 MAR 1999
        new("d-MMM-yyyy", d => $"{d.Day}-{Mon(d)}-{d.Year}"),                                   // 3-Mar-1999
        new("d MMM 'yy", d => $"{d.Day} {Mon(d)} '{d.Year % 100:00}"),                          // 3 Mar '99
        new("yyyy MMMM d", d => $"{d.Year} {Month(d)} {d.Day}"),                                // 1999 March 3
        new("dddd, MMMM d, yyyy", d => $"{Day(d)}, {Month(d)} {d.Day}, {d.Year}"),              // Wednesday, March 3, 1999
        new("dddd d MMMM yyyy", d => $"{Day(d)} {d.Day} {Month(d)} {d.Year}"),                  // Wednesday 3 March 1999
        new("ddd d MMM yyyy", d => $"{Day(d)[..3]} {d.Day} {Mon(d)} {d.Year}"),                 // Wed 3 Mar 1999
        new("ddd, dd MMM yyyy", d => $"{Day(d)[..3]}, {d.Day:00} {Mon(d)} {d.Year}"),           // Wed, 03 Mar 1999
        new("MM/dd/yy", d => $"{d.Month:00}/{d.Day:00}/{d.Year % 100:00}"),                     // 03/03/99
        new("M/d/yy", d => $"{d.Month}/{d.Day}/{d.Year % 100:00}"),                             // 3/3/99
        new("M/d/yyyy", d => $"{d.Month}/{d.Day}/{d.Year}"),                                    // 3/3/1999
        new("d.M.yyyy", d => $"{d.Day}.{d.Month}.{d.Year}"),                                    // 3.3.1999
        new("dd.MM.yy", d => $"{d.Day:00}.{d.Month:00}.{d.Year % 100:00}"),                     // 03.03.99
        new("dd-MM-yyyy", d => $"{d.Day:00}-{d.Month:00}-{d.Year}"),                            // 03-03-1999
        new("yyyy.MM.dd", d => $"{d.Year}.{d.Month:00}.{d.Day:00}"),                            // 1999.03.03
        new("yyyy-MM-dd", d => $"{d.Year}-{d.Month:00}-{d.Day:00}"),                            // 1999-03-03
        new("yyyyMMdd", d => $"{d.Year}{d.Month:00}{d.Day:00}"),                                // 19990303
    ];

    /// <summary>The ISO 8601 form, the translation's target.</summary>
    public static string Iso(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Month(DateOnly date) => Months[date.Month - 1];

    private static string Mon(DateOnly date) => Months[date.Month - 1][..3];

    private static string Day(DateOnly date) => Days[(int)date.DayOfWeek];

    private static string Ordinal(int day) => day + ((day % 10, day / 10) switch
    {
        (_, 1) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    });
}
