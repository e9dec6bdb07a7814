package gormstore

import (
	"strings"

	"gorm.io/gorm"
)

// statements are the SQL of the hot paths (a load, a compare-and-set
// update, the insert of a new session), written once per store with the
// table's and the columns' names quoted for the dialect, and run with
// Raw and Exec: GORM then binds the parameters (and, with PrepareStmt,
// prepares each statement once) without building the statement from
// clauses and reflecting over maps on every call. They are the statements
// the clause-built paths issued, column for column.
type statements struct {
	load, update, insert string
}

func newStatements(db *gorm.DB, table string) statements {
	q := func(name string) string { return db.Statement.Quote(name) }
	t := q(table)
	cols := func(names ...string) string {
		quoted := make([]string, len(names))
		for i, n := range names {
			quoted[i] = q(n)
		}
		return strings.Join(quoted, ", ")
	}
	set := func(names ...string) string {
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = q(n) + " = ?"
		}
		return strings.Join(parts, ", ")
	}
	var st statements
	st.load = "SELECT " + cols(recordColumns...) + " FROM " + t + " WHERE " + q(colID) + " = ? AND " + q(colExpiresAt) + " > ? LIMIT 1"
	st.update = "UPDATE " + t + " SET " + set(colData, colExpiresAt, colLastActivity, colUserID, colIPAddress, colUserAgent) +
		", " + q(colVersion) + " = " + q(colVersion) + " + 1" +
		" WHERE " + q(colID) + " = ? AND " + q(colVersion) + " = ? AND " + q(colExpiresAt) + " > ?"
	st.insert = "INSERT INTO " + t + " (" + cols(insertColumns...) + ") VALUES (?" + strings.Repeat(", ?", len(insertColumns)-1) + ")"
	if db.Dialector.Name() == "mysql" {
		st.insert += " ON DUPLICATE KEY UPDATE " + q(colID) + " = " + q(colID)
	} else {
		st.insert += " ON CONFLICT (" + q(colID) + ") DO NOTHING"
	}
	return st
}

// insertColumns are the columns insertNew writes, in the order of its
// parameters; the lock columns start out NULL.
var insertColumns = []string{colID, colData, colExpiresAt, colCreatedAt, colVersion, colUserID, colIPAddress, colUserAgent, colLastActivity}
